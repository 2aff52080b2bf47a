-- The object service's objects. upload_id is kept after the upload finished (finished = TRUE): the bytes live in
-- the blob store under it, and URLs handed out are bound to it. hashes is a JSON object {algorithm: hex}.
CREATE TABLE objects (
    name            VARCHAR(1024) COLLATE "C" NOT NULL PRIMARY KEY,
    project_id      VARCHAR(500) NOT NULL,
    upload_id       VARCHAR(64)  NOT NULL UNIQUE,
    finished        BOOLEAN      NOT NULL,
    expires         TIMESTAMPTZ NOT NULL,
    upload_expires  TIMESTAMPTZ NOT NULL,
    blob_key        VARCHAR(2048) NOT NULL,
    content_type    VARCHAR(255),
    size_bytes      BIGINT       NOT NULL,
    hashes          TEXT         NOT NULL,
    created         TIMESTAMPTZ NOT NULL
);

CREATE INDEX objects_expires ON objects (expires);
CREATE INDEX objects_upload_expires ON objects (upload_expires);

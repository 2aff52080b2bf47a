-- Who changed a client or role, how and when (Taskcluster's audit_history). Each row is written in the
-- transaction of the change it records. Rows are kept (no purge): an id deleted and created again shows its
-- whole history. id orders the rows as they were recorded and keys the continuation tokens.
CREATE TABLE audit_history (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_type  VARCHAR(32)  NOT NULL,
    entity_id    TEXT         COLLATE "C" NOT NULL,
    client_id    TEXT         COLLATE "C" NOT NULL,
    action_type  VARCHAR(64)  NOT NULL,
    created      TIMESTAMPTZ  NOT NULL
);

CREATE INDEX audit_history_entity ON audit_history (entity_type, entity_id, id);
CREATE INDEX audit_history_client ON audit_history (client_id, id);

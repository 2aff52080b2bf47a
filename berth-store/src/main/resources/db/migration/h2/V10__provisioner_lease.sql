-- One row per lease (the provisioners' leader): its holder and until when (epoch milliseconds) it holds.
-- A provisioner renews its lease each round; another takes it over only once it has expired.
CREATE TABLE provisioner_leases (
    name VARCHAR(128) PRIMARY KEY,
    holder VARCHAR(256) NOT NULL,
    expires_millis BIGINT NOT NULL
);

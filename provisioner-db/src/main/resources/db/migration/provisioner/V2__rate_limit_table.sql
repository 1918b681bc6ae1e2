-- State of the Bucket4j bucket shared by every instance (PostgreSQLSelectForUpdateBasedProxyManager).
create table if not exists "${schema}".provisioner_rate_limit (
    id bigint primary key,
    state bytea,
    expires_at bigint
);

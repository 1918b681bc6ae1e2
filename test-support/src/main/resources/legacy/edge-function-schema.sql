-- The tables and view of the edge function the provisioner replaces, as a user's database still holds
-- them: a job table without updated_at / next_attempt_at, uuid owner ids, serial and uuid primary keys,
-- the API keys in plaintext, and a view of its own shape. ${schema} is replaced by the test's schema.
create table ${schema}.ai_key_provision_jobs (
    id bigserial primary key,
    owner_type text not null check (owner_type in ('organization', 'teacher')),
    owner_id uuid not null,
    status text not null default 'pending' check (status in ('pending', 'processing', 'done', 'failed')),
    attempts integer not null default 0,
    last_error text,
    created_at timestamptz not null default now(),
    unique (owner_type, owner_id)
);
create index ai_key_provision_jobs_status_idx on ${schema}.ai_key_provision_jobs (status, created_at);

create table ${schema}.ai_provider_keys (
    id uuid primary key default gen_random_uuid(),
    owner_type text not null,
    owner_id uuid not null,
    provider text not null default 'openrouter',
    api_key text not null,
    key_hash text,
    created_at timestamptz not null default now(),
    unique (owner_type, owner_id)
);

create view ${schema}.v_ai_provider_keys_public as
select id, owner_type, owner_id, provider, key_hash, created_at from ${schema}.ai_provider_keys;

-- Per-owner key policy (CONTRACT section 4), written by the application and captured by CDC like the
-- owner tables: a change is a provisioning request for that owner. A null column means the owner type's
-- default (OR_ORG_LIMIT / OR_TEACHER_LIMIT, OR_LIMIT_RESET, OR_ORG_GUARDRAIL_ID / OR_TEACHER_GUARDRAIL_ID).
-- The primary key is the owner, so a deleted row's change record carries it (default replica identity).
create table if not exists "${schema}".ai_key_policies (
    owner_type text not null check (owner_type in ('organization', 'teacher')),
    owner_id text not null,
    limit_usd numeric check (limit_usd > 0),
    limit_reset text check (limit_reset in ('daily', 'weekly', 'monthly', 'none')),
    guardrail_id text,
    updated_at timestamptz not null default now(),
    constraint ai_key_policies_owner_unique primary key (owner_type, owner_id)
);

-- the OpenRouter guardrail the key was last assigned to (null: none), beside key_limit and limit_reset,
-- so that a key out of step with its settings or policy is a query
alter table "${schema}".ai_provider_keys add column if not exists guardrail_id text;

create or replace view "${schema}".v_ai_provider_keys_public as
select id, provider, owner_type, owner_id, key_hash, key_name, key_label,
       key_limit, limit_reset, created_at, revoked_at, guardrail_id
from "${schema}".ai_provider_keys;

-- replacing a view resets its options: PostgreSQL 15+ applies the caller's privileges again (as V1)
do $$
begin
    if current_setting('server_version_num')::int >= 150000 then
        execute 'alter view "${schema}".v_ai_provider_keys_public set (security_invoker = true)';
    end if;
end
$$;

-- locked down (row level security with no policy; nothing for PUBLIC, anon or authenticated; service_role
-- may read and write it) by LockDown, which every migrate runs after the migrations

-- Spend read back from OpenRouter's GET /keys (US dollars, as OpenRouter reports them), refreshed every
-- PROVISIONER_USAGE_SYNC_INTERVAL; null until the first sync that listed the key.
alter table "${schema}".ai_provider_keys add column if not exists usage_total numeric;
alter table "${schema}".ai_provider_keys add column if not exists usage_daily numeric;
alter table "${schema}".ai_provider_keys add column if not exists usage_weekly numeric;
alter table "${schema}".ai_provider_keys add column if not exists usage_monthly numeric;
alter table "${schema}".ai_provider_keys add column if not exists usage_synced_at timestamptz;

-- rotate-keys: the old key's row is marked revoked in the transaction that stores the new key, and its
-- DELETE on OpenRouter follows; true while that DELETE is not yet confirmed (a re-run finishes it)
alter table "${schema}".ai_provider_keys add column if not exists delete_pending boolean not null default false;

create index if not exists ai_provider_keys_delete_pending
    on "${schema}".ai_provider_keys (id) where delete_pending;

-- every column except encrypted_key: the new ones appended after V6's guardrail_id, so that "create or replace" keeps the view
-- (and the privileges that V3, V4 and every migrate's lock-down left on it)
create or replace view "${schema}".v_ai_provider_keys_public as
select id, provider, owner_type, owner_id, key_hash, key_name, key_label,
       key_limit, limit_reset, created_at, revoked_at, guardrail_id,
       usage_total, usage_daily, usage_weekly, usage_monthly, usage_synced_at, delete_pending
from "${schema}".ai_provider_keys;

do $$
begin
    if current_setting('server_version_num')::int >= 150000 then
        execute 'alter view "${schema}".v_ai_provider_keys_public set (security_invoker = true)';
    end if;
end
$$;

-- Supabase: service_role (BYPASSRLS) is the platform backend's role and reads the keys, the jobs and the
-- public view. Its default privileges cover only tables created by postgres or supabase_admin, so grant
-- it explicitly: migrate may run as a dedicated role. Nothing for anon or authenticated (V3).
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'service_role') then
        execute format('grant select on table %1$I.ai_key_provision_jobs, %1$I.ai_provider_keys,'
                       || ' %1$I.v_ai_provider_keys_public to service_role', '${schema}');
    end if;
end
$$;

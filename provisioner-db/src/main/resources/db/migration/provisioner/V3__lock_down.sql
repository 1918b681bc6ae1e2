-- Row level security with no policy, and no privilege for PUBLIC, anon or authenticated (Supabase):
-- only the owner (the provisioner's role) and superusers can read the keys.

alter table "${schema}".ai_key_provision_jobs enable row level security;
alter table "${schema}".ai_provider_keys enable row level security;
alter table "${schema}".provisioner_rate_limit enable row level security;

do $$
declare
    grantee text;
    tables text := format('%1$I.ai_key_provision_jobs, %1$I.ai_provider_keys, %1$I.v_ai_provider_keys_public, '
                          || '%1$I.provisioner_rate_limit, %1$I.provisioner_schema_history', '${schema}');
    seq text;
begin
    foreach grantee in array array['public', 'anon', 'authenticated'] loop
        continue when grantee <> 'public' and not exists (select 1 from pg_roles where rolname = grantee);
        execute format('revoke all on table %s from %s', tables,
                       case when grantee = 'public' then 'public' else quote_ident(grantee) end);
        foreach seq in array array[
                pg_get_serial_sequence(format('%I.ai_key_provision_jobs', '${schema}'), 'id'),
                pg_get_serial_sequence(format('%I.ai_provider_keys', '${schema}'), 'id')] loop
            continue when seq is null;
            execute format('revoke all on sequence %s from %s', seq,
                           case when grantee = 'public' then 'public' else quote_ident(grantee) end);
        end loop;
    end loop;
end
$$;

-- When the orphan sweep last completed a pass of each kind, shared by every instance and kept across
-- restarts: an incremental pass lists OpenRouter's keys newest first only down to the start of the last
-- completed pass (minus a margin); a full pass lists every key, once a day.
create table if not exists "${schema}".provisioner_sweep_passes (
    kind text primary key check (kind in ('incremental', 'full')),
    started_at timestamptz not null,
    completed_at timestamptz not null
);

-- locked down like the tables of V3: RLS with no policy, no privilege for PUBLIC, anon or authenticated
alter table "${schema}".provisioner_sweep_passes enable row level security;

do $$
declare
    grantee text;
begin
    foreach grantee in array array['public', 'anon', 'authenticated'] loop
        continue when grantee <> 'public' and not exists (select 1 from pg_roles where rolname = grantee);
        execute format('revoke all on table %I.provisioner_sweep_passes from %s', '${schema}',
                       case when grantee = 'public' then 'public' else quote_ident(grantee) end);
    end loop;
end
$$;

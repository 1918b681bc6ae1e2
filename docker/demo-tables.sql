-- The user's own tables; the provisioner never creates them. Minimal versions for the compose stack.
create table if not exists public.organizations (id uuid primary key, name text not null);
create table if not exists public.teachers (id uuid primary key, name text not null, organization_id uuid references public.organizations(id));

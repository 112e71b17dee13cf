-- API keys (issue 13 §3): long-lived credentials a user makes for scripts and integrations. The key itself
-- (vpk_ + 32 random bytes) is shown once; only its SHA-256 is kept (256 random bits need no slow hash). A key acts
-- as its user with at most the scopes it was given, and never beyond the user's role at the time of each request.
create table api_keys (
    id           uuid primary key,
    user_id      uuid not null references users (id) on delete cascade,
    name         text not null check (length(name) between 1 and 100),
    key_hash     bytea not null unique check (length(key_hash) = 32),
    -- The first characters of the key, so a user can tell which of their keys a leaked or logged one is.
    key_prefix   text not null,
    scopes       text[] not null,
    -- Null: any address. Otherwise the request's address must fall in one of these networks (v4 or v6).
    allowed_ips  cidr[],
    daily_quota  integer not null check (daily_quota > 0),
    created_at   timestamptz not null default now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
create index api_keys_user on api_keys (user_id, id desc) where revoked_at is null;

-- Each Api instance caches keys by hash, so validating a warm key costs no query. These triggers tell every
-- instance which keys to forget when a key is revoked or deleted, whatever statement did it ('k:' ids, or '*' when
-- too many for one NOTIFY). A user's role, disabled flag or deletion reaches keys through auth_changed (0010).
-- last_used_at writes change nothing a cache holds, so they notify nothing.
create function api_key_changed_notify(ids uuid[]) returns void language sql as $$
    select pg_notify('api_key_changed', case when cardinality(ids) > 150 then '*' else 'k:' || array_to_string(ids, ',') end)
    where cardinality(ids) > 0;
$$;

create function api_key_changed_upd() returns trigger language plpgsql as $$
begin
    perform api_key_changed_notify(array(
        select n.id from new_rows n join old_rows o on o.id = n.id
        where (n.revoked_at, n.expires_at, n.scopes, n.allowed_ips, n.daily_quota, n.user_id)
              is distinct from (o.revoked_at, o.expires_at, o.scopes, o.allowed_ips, o.daily_quota, o.user_id)));
    return null;
end $$;

create function api_key_changed_del() returns trigger language plpgsql as $$
begin
    perform api_key_changed_notify(array(select id from old_rows));
    return null;
end $$;

create trigger api_keys_changed_upd after update on api_keys
    referencing old table as old_rows new table as new_rows for each statement execute function api_key_changed_upd();
create trigger api_keys_changed_del after delete on api_keys
    referencing old table as old_rows for each statement execute function api_key_changed_del();

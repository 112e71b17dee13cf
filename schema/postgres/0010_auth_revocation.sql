-- Access tokens end within seconds of their session or account (issue 10, "The rest of the probe"). Each Api
-- instance caches, per session, whether it was revoked and, per user, the role and whether the account is
-- disabled, so checking a token costs no query. These triggers tell every instance (NOTIFY reaches all of them)
-- which entries to forget, whatever code path made the change: logout, a reuse revocation, a password change,
-- a staff edit or a bulk statement. Payloads: 's:' session ids, 'u:' changed users, 'd:' deleted users, each a
-- comma-separated list; '*' (forget everything) when a statement touched too many rows for one NOTIFY (8000 bytes).
create function auth_changed_notify(kind text, ids uuid[]) returns void language sql as $$
    select pg_notify('auth_changed', case when cardinality(ids) > 150 then '*' else kind || array_to_string(ids, ',') end)
    where cardinality(ids) > 0;
$$;

create function auth_changed_sessions_upd() returns trigger language plpgsql as $$
begin
    perform auth_changed_notify('s:', array(
        select n.id from new_rows n join old_rows o on o.id = n.id where n.revoked_at is distinct from o.revoked_at));
    return null;
end $$;

create function auth_changed_users_upd() returns trigger language plpgsql as $$
begin
    perform auth_changed_notify('u:', array(
        select n.id from new_rows n join old_rows o on o.id = n.id where (n.role, n.disabled) is distinct from (o.role, o.disabled)));
    return null;
end $$;

create function auth_changed_users_del() returns trigger language plpgsql as $$
begin
    perform auth_changed_notify('d:', array(select id from old_rows));
    return null;
end $$;

create trigger auth_sessions_auth_changed_upd after update on auth_sessions
    referencing old table as old_rows new table as new_rows for each statement execute function auth_changed_sessions_upd();
create trigger users_auth_changed_upd after update on users
    referencing old table as old_rows new table as new_rows for each statement execute function auth_changed_users_upd();
create trigger users_auth_changed_del after delete on users
    referencing old table as old_rows for each statement execute function auth_changed_users_del();

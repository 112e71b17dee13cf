-- Config URL tokens (issue 10, part 2). The config URL was /s/{subscription id}: a UUIDv7 that leaks the creation
-- time, is sometimes the previous id + 1, cannot be changed, and is handed to nodes and written to audit entries.
-- Each subscription now has a separate random token for its URL (/s/{link_token}), which staff and the owner can
-- rotate; the id no longer serves a config.
--
-- The token is 24 bytes as unpadded base64url: always 32 characters of [A-Za-z0-9_-]. The bytes are the first 24 of
-- two gen_random_uuid() values (built in since Postgres 13, no pgcrypto needed), which Postgres draws from
-- pg_strong_random (OpenSSL's CSPRNG): all 16 bytes of the first UUID (122 random bits; 6 are the version and
-- variant) and the first 8 of the second (60 random bits; 4 are the version). 182 random bits per token.
create function new_link_token() returns text language sql volatile as $$
    select translate(encode(substring(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) from 1 for 24), 'base64'), '+/', '-_')
$$;

alter table subscriptions add column link_token text;
update subscriptions set link_token = new_link_token();
-- A default, so every insert (admin create, payment completion, the demo, load and test seeds) gets a token.
alter table subscriptions alter column link_token set default new_link_token(), alter column link_token set not null;
create unique index subscriptions_link_token on subscriptions (link_token);

-- Notifications. Every Api instance keeps the whole token -> id map in memory, so an unknown token is answered
-- without a query; channel link_changed names the subscriptions whose token appeared, changed or went away (the
-- same payload rules as config_changed: ids in chunks of 200, '*' above 1000).
create function notify_ids(channel text, ids uuid[]) returns void language plpgsql as $$
begin
    if cardinality(ids) = 0 then
        return;
    end if;
    if cardinality(ids) > 1000 then
        perform pg_notify(channel, '*');
        return;
    end if;
    perform pg_notify(channel, string_agg(id::text, ','))
    from (select id, (row_number() over ()) / 200 as chunk from (select distinct unnest(ids) as id) d) c
    group by chunk;
end $$;

-- The same body as in 0007, now in one place.
create or replace function config_changed_notify(ids uuid[]) returns void language plpgsql as $$
begin
    perform notify_ids('config_changed', ids);
end $$;

create function link_changed_ins() returns trigger language plpgsql as $$
begin
    perform notify_ids('link_changed', array(select id from new_rows));
    return null;
end $$;

create function link_changed_upd() returns trigger language plpgsql as $$
begin
    perform notify_ids('link_changed', array(
        select n.id from new_rows n join old_rows o on o.id = n.id where n.link_token is distinct from o.link_token));
    return null;
end $$;

create function link_changed_del() returns trigger language plpgsql as $$
begin
    perform notify_ids('link_changed', array(select id from old_rows));
    return null;
end $$;

create trigger subscriptions_link_ins after insert on subscriptions
    referencing new table as new_rows for each statement execute function link_changed_ins();
create trigger subscriptions_link_upd after update on subscriptions
    referencing new table as new_rows old table as old_rows for each statement execute function link_changed_upd();
create trigger subscriptions_link_del after delete on subscriptions
    referencing old table as old_rows for each statement execute function link_changed_del();

-- Indexes behind the administration lists (issue 3: "every list endpoint stays fast at 100k rows"). Lists are keyset
-- pages on the UUIDv7 id, newest first, so each filter gets an index that ends in id (or a partial index on id) and a
-- page reads about limit + 1 index entries instead of sorting the filtered set.

-- Owner filter and customers' own lists: (owner_id, id) serves both the equality and the page order; it also
-- serves every lookup the single-column index did, so that one goes.
create index subscriptions_owner_id on subscriptions (owner_id, id);
drop index subscriptions_owner;

-- Suspended and over-limit subscriptions are the few: partial indexes stay small and give those lists in id order.
create index subscriptions_suspended on subscriptions (id) where is_suspended;
create index subscriptions_over_limit on subscriptions (id) where is_over_limit;

-- Title search is a substring match (ILIKE '%q%'); trigrams make it an index lookup instead of a scan.
create extension if not exists pg_trgm;
create index subscriptions_title_trgm on subscriptions using gin (title gin_trgm_ops);

-- Users: role filter in page order, and prefix search on email (stored lower-case) and username.
create index users_role_id on users (role, id);
create index users_email_prefix on users (email text_pattern_ops);
create index users_username_prefix on users (username text_pattern_ops);

-- Groups: prefix search on name.
create index groups_name_prefix on groups (name text_pattern_ops);

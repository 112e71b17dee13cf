-- Sign-in sessions (issue 3, Auth). One session per signed-in device; it is the family of refresh tokens that
-- rotate on every refresh. Only a token's SHA-256 is kept (256 random bits need no slow hash). A consumed token
-- that is presented again revokes its whole session. expires_at moves forward with each refresh.
create table auth_sessions (
    id           uuid primary key,
    user_id      uuid not null references users (id) on delete cascade,
    device       text not null default '',
    created_at   timestamptz not null default now(),
    last_used_at timestamptz not null default now(),
    expires_at   timestamptz not null,
    revoked_at   timestamptz
);
create index auth_sessions_user on auth_sessions (user_id, id desc);

create table refresh_tokens (
    token_hash  bytea primary key check (length(token_hash) = 32),
    session_id  uuid not null references auth_sessions (id) on delete cascade,
    issued_at   timestamptz not null default now(),
    consumed_at timestamptz
);
create index refresh_tokens_session on refresh_tokens (session_id);

-- Emails are compared case-insensitively: two accounts may not differ only in case, and sign-in by email uses this index.
create unique index users_email_lower on users (lower(email));

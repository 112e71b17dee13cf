-- Email verification and password reset (issue 13, part 2). A user's email address is verified once they open
-- the link of a verification mail; email_verified_at says when (null: not verified). Accounts that existed before
-- this migration start unverified: they ask for a verification mail when they need one (docs/api-accounts.md).
alter table users add column email_verified_at timestamptz;

-- The single-use tokens those mails carry. Only the SHA-256 of a token is kept (256 random bits need no slow hash).
-- One live token per account and purpose: issuing a new one replaces the row (on conflict), so an older link of the
-- same kind stops working; using one deletes it. email is the address the token was mailed to: a token stops working
-- when the account's address has changed since.
create table account_tokens (
    user_id    uuid not null references users (id) on delete cascade,
    purpose    text not null check (purpose in ('email-verification', 'password-reset')),
    token_hash bytea not null unique check (length(token_hash) = 32),
    email      text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    primary key (user_id, purpose)
);

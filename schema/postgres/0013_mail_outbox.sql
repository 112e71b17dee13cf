-- Transactional outbox for mail (issue 13): a message is a row inserted in the transaction of the change it tells
-- about (a registration, a reset request), so it exists if and only if that change committed. The Api's mail sender
-- claims due rows with a lease (claimed_until), sends them over SMTP and marks them sent; a claim whose sender died
-- is taken again once its lease ran out, and sent with the same Message-ID (docs/mail.md: at-least-once).
create table mail_outbox (
    id              uuid primary key,
    kind            text not null,                -- the template: email-verification, password-reset, password-changed
    recipient       text not null,
    subject         text not null,
    text_body       text,                         -- erased once the message is sent or has failed: it may hold a link token
    html_body       text,
    message_id      text not null unique,         -- the Message-ID header (without <>), the same on every attempt
    created_at      timestamptz not null,
    attempts        integer not null default 0,   -- claims so far, a claim whose sender died included
    next_attempt_at timestamptz not null,
    claimed_until   timestamptz,                  -- the lease of the sender that claimed it last
    sent_at         timestamptz,
    failed_at       timestamptz,                  -- gave up: attempts exhausted or refused for good by the server
    last_error      text                          -- why the last attempt failed; never an address, body or credential
);

-- The sender's claim looks for due rows that are neither sent nor failed; sent and failed rows stay out of the index.
create index mail_outbox_due on mail_outbox (next_attempt_at) where sent_at is null and failed_at is null;

-- Wakes the senders (LISTEN mail_outbox) when a message is queued; delivered at commit, never for a rolled-back insert.
create function mail_outbox_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('mail_outbox', '');
    return null;
end $$;

create trigger mail_outbox_queued after insert on mail_outbox
    for each statement execute function mail_outbox_notify();

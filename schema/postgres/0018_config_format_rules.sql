-- Client formats (issue 14): the operator-editable User-Agent rules that choose a config URL's format when the URL
-- names none (docs/config-rendering.md, "Formats"). One current set (a single row, id = 1): `rules` is the ordered
-- list of {"pattern", "format"} objects, `fallback` the format of a User-Agent no rule matches. `version` increases
-- on every save; the admin endpoint checks it for lost updates. The first rules are the ones shipped in code
-- (src/Api/Features/Configs/FormatRules.cs, DefaultRules); a test keeps the two equal.
create table config_format_rules (
    id         smallint primary key default 1 check (id = 1),
    rules      jsonb not null check (jsonb_typeof(rules) = 'array'),
    fallback   text not null,
    version    bigint not null default 1,
    updated_at timestamptz not null default now(),
    updated_by uuid references users (id) on delete set null
);

insert into config_format_rules (id, rules, fallback) values (1, '[
  {"pattern": "^(SFA|SFI|SFM|SFT)/|sing-?box|hiddify|karing", "format": "singbox"},
  {"pattern": "clash|mihomo|stash|flclash", "format": "mihomo"},
  {"pattern": "^v2rayN(G)?/", "format": "xray"}
]', 'links');

-- Every Api instance LISTENs and re-reads the row on a notice (the payload is the new version, for logs only; a
-- deleted row means the shipped rules).
create function config_format_rules_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('format_rules_changed', case when tg_op = 'DELETE' then '0' else new.version::text end);
    return null;
end $$;

create trigger config_format_rules_changed after insert or update or delete on config_format_rules
    for each row execute function config_format_rules_notify();

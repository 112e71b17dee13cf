-- The scope Ingest checks every report against (issue 10, part 1): a report counts only when its inbound belongs to the
-- reporting node and its subscription is linked to that inbound. The links, each with its inbound's node, ride in the
-- subscription's state hash (field "inbounds"), so every change that can alter them enqueues the subscription into the
-- state outbox, in the changing transaction, like the limits do (0003_state_outbox.sql). A plan that grants whole
-- nodes is materialised into links at each completion, so links are the whole truth.

-- A link added or removed, including the cascades of an inbound's, a node's or a subscription's deletion (a deleted
-- subscription's own trigger has already enqueued it; enqueueing it again is harmless).
create function state_outbox_links_ins() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(select subscription_id from new_rows));
    return null;
end $$;

create function state_outbox_links_upd() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(select subscription_id from new_rows union select subscription_id from old_rows));
    return null;
end $$;

create function state_outbox_links_del() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(select subscription_id from old_rows));
    return null;
end $$;

create trigger subscription_inbounds_state_ins after insert on subscription_inbounds
    referencing new table as new_rows for each statement execute function state_outbox_links_ins();
create trigger subscription_inbounds_state_upd after update on subscription_inbounds
    referencing new table as new_rows old table as old_rows for each statement execute function state_outbox_links_upd();
create trigger subscription_inbounds_state_del after delete on subscription_inbounds
    referencing old table as old_rows for each statement execute function state_outbox_links_del();

-- An inbound moved to another node changes the node of every link to it (the Api does not move inbounds; SQL can).
create function state_outbox_inbounds_upd() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(
        select si.subscription_id from new_rows n join old_rows o on o.id = n.id
        join subscription_inbounds si on si.inbound_id = n.id
        where n.node_id is distinct from o.node_id));
    return null;
end $$;

create trigger inbounds_state_upd after update on inbounds
    referencing new table as new_rows old table as old_rows for each statement execute function state_outbox_inbounds_upd();

-- Every existing hash lacks the field until republished, and Ingest reads a missing field as "linked nowhere": queue
-- them all now, so the dispatcher republishes them at its pace (500 per batch) rather than the reconciler at 50,000
-- per five minutes.
select state_outbox_enqueue(array(select id from subscriptions));

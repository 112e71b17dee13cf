-- Scopes are now published content-addressed (key scope:<id>, field "scope" in the state hash) instead of as an
-- "inbounds" field in every hash. Ingest reads only the new field, so republish every subscription at the dispatcher's
-- pace; each publish also removes the old field.
select state_outbox_enqueue(array(select id from subscriptions));

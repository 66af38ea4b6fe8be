-- The dispatcher's claims on deliveries, and what it remembers of a failed attempt.
--
-- A claim moves due_at to the end of its lease, so there is no separate lease column: a claimed
-- row leaves the due range of the deliveries_due_at index (claims never scan past the rows in
-- flight), and it comes back into that range by itself when the lease runs out, which is how the
-- deliveries of a crashed dispatcher are taken over. The lease end doubles as the claim's token:
-- a retry only applies while due_at still holds it, so a dispatcher whose lease was taken over
-- cannot reschedule a delivery another one now holds.
--
-- error_code and error_message are those of the last failed attempt: a delivery dead-lettered
-- later, when the event has grown too old, reports them in its ERROR_CODE and ERROR_MESSAGE.
ALTER TABLE deliveries ADD COLUMN error_code TEXT;
ALTER TABLE deliveries ADD COLUMN error_message TEXT;

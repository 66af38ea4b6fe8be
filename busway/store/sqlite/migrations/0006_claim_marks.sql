-- Marks the deliveries a dispatcher has claimed, so that a node alone on its database can give
-- back, at start-up, the claims its previous process held when it crashed: those deliveries are
-- then due at once instead of when their leases run out.
ALTER TABLE deliveries ADD COLUMN claimed INTEGER NOT NULL DEFAULT 0;

-- Whether a denied call would now be allowed, as Latchkey's own policy
-- evaluation (app::domain::policy::eval) judged it after a change to the
-- principal was applied: resolved (allowed since then, by which request),
-- or why not. A denial seen again after it was resolved is open again.
ALTER TABLE denials
    ADD COLUMN resolved_at  timestamptz,
    ADD COLUMN resolved_by  uuid,          -- the request whose change allowed it
    ADD COLUMN verdict      text,          -- why it is still denied (last check)
    ADD COLUMN checked_at   timestamptz;

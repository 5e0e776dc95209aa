-- The inbox's other orders and filters, measured at a million reports (docs/benchmarks.md):
-- most urgent first (the rank expression is the store's URGENCY_RANK, written the same way so
-- the planner uses it), and one urgency at a time, newest first.

CREATE INDEX reports_urgency_rank ON reports ((CASE urgency WHEN 'emergency' THEN 0
    WHEN 'urgent' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END), created_at DESC, id DESC);
CREATE INDEX reports_urgency_newest ON reports (urgency, created_at DESC, id DESC);

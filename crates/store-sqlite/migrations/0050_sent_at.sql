-- When the citizen sent a message, as their platform says (issue 28). A gateway that replays a
-- day of deliveries, or delivers them out of order, must not reorder a conversation: messages
-- are shown in the order they were sent, and the time they arrived is kept apart.

ALTER TABLE messages ADD COLUMN sent_at TEXT;

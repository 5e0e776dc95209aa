-- Where a message to the reporter stands: queued, sent, delivered, read or failed. Inbound
-- messages have none. Replies written before this were shown on the follow-up page at once.

ALTER TABLE messages ADD COLUMN delivery TEXT;
UPDATE messages SET delivery = 'delivered' WHERE direction = 'outbound';

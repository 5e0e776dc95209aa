-- The platform's id of a message we sent, apart from the key an inbound message is taken in
-- under once: status updates find our messages by it.

ALTER TABLE messages ADD COLUMN sent_id TEXT;
CREATE INDEX messages_sent_id ON messages (channel, account, sent_id);
CREATE INDEX messages_outbox ON messages (delivery, send_next_at);

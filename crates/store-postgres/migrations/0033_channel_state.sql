-- What an account keeps besides its credentials: where fetching its updates stands (Telegram's
-- next offset, when the account polls instead of receiving a webhook) and when the platform
-- last checked its webhook and got the right answer (X's hourly CRC, Meta's verify).

ALTER TABLE channel_accounts ADD COLUMN cursor TEXT;
ALTER TABLE channel_accounts ADD COLUMN checked_at TIMESTAMPTZ;

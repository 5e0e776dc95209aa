-- Platform ids of messages are kept as keyed digests from now on: an id can name its sender (a
-- WhatsApp wamid holds their number). Those kept in clear before are listed here for a node to
-- replace, as only a node holds the key; each row goes when its ids are keyed.

CREATE TABLE unkeyed_platform_ids (
    message_id  BIGINT  PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE
);
INSERT INTO unkeyed_platform_ids (message_id)
    SELECT id FROM messages
    WHERE channel IN ('whatsapp', 'messenger', 'instagram', 'threads', 'zalo', 'telegram',
                      'tiktok', 'x', 'email', 'sms')
      AND (sent_id IS NOT NULL
           OR (platform_message_id IS NOT NULL
               -- Telegram's were keyed already (64 hex digits, or an acknowledgement's 68),
               -- but for those taken in before that.
               AND (channel <> 'telegram' OR length(platform_message_id) NOT IN (64, 68))));

CREATE TABLE unkeyed_media_fetches (
    fetch_id  BIGINT  PRIMARY KEY REFERENCES media_fetches (id) ON DELETE CASCADE
);
INSERT INTO unkeyed_media_fetches (fetch_id)
    SELECT f.id FROM media_fetches f JOIN channel_accounts a ON a.id = f.account_id
    WHERE a.platform <> 'telegram' OR length(f.platform_message_id) <> 64;

-- A web form was kept under its token in clear: the key of its receipt. Forms are now kept
-- under a keyed digest of token and content, which never equals these, so they go.
UPDATE messages SET platform_message_id = NULL
    WHERE channel = 'web' AND platform_message_id LIKE 'form:%';

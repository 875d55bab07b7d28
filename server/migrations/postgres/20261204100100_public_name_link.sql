-- Issue 14 item 2 / issue 16: the email to a signer who chose to show their name carries a
-- link that takes the name off the public list (`/email/hide-name/{token}`). Its token is
-- stored hashed like the others, with the purpose `hide_name`, used once.

ALTER TABLE email_tokens DROP CONSTRAINT email_tokens_purpose_check;
ALTER TABLE email_tokens ADD CONSTRAINT email_tokens_purpose_check
    CHECK (purpose IN ('confirm', 'remove', 'hide_name'));

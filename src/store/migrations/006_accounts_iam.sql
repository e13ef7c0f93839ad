-- Accounts and IAM. Every user that existed becomes an account owning its buckets (the root user the
-- instance administrator's): the users table is renamed, so every foreign key that pointed at a user
-- (buckets, access keys) now points at its account, and object and upload owner ids stay valid.
ALTER TABLE users RENAME TO accounts;
ALTER TABLE accounts RENAME COLUMN is_root TO is_admin;
ALTER TABLE accounts ADD COLUMN account_id TEXT;
ALTER TABLE accounts ADD COLUMN email TEXT;
-- 12 digits, random (leading digit 1-9, as AWS account ids read).
UPDATE accounts SET account_id = CAST(100000000000 + (abs(random()) % 900000000000) AS TEXT);
CREATE UNIQUE INDEX accounts_account_id ON accounts(account_id);
-- Emails are compared case-insensitively (stored lower-cased).
CREATE UNIQUE INDEX accounts_email ON accounts(email) WHERE email IS NOT NULL;

-- IAM users of an account. Names are unique per account, case-insensitively.
CREATE TABLE iam_users (
  id          INTEGER PRIMARY KEY,
  account     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name        TEXT    NOT NULL,
  name_lower  TEXT    NOT NULL,
  path        TEXT    NOT NULL DEFAULT '/',
  user_id     TEXT    NOT NULL UNIQUE,
  tags        TEXT,
  created_at  INTEGER NOT NULL,
  UNIQUE (account, name_lower)
);

-- Access keys belong to an account root (iam_user NULL) or to an IAM user. The secret is sealed with the
-- instance key (store/secrets.ts); keys of older databases are sealed at the first start after this.
ALTER TABLE access_keys RENAME COLUMN user_id TO account;
ALTER TABLE access_keys RENAME COLUMN secret_key TO secret;
ALTER TABLE access_keys ADD COLUMN iam_user INTEGER REFERENCES iam_users(id) ON DELETE CASCADE;
ALTER TABLE access_keys ADD COLUMN status TEXT NOT NULL DEFAULT 'Active';
ALTER TABLE access_keys ADD COLUMN last_used_at INTEGER;
ALTER TABLE access_keys ADD COLUMN last_used_service TEXT;
ALTER TABLE access_keys ADD COLUMN last_used_region TEXT;
CREATE INDEX access_keys_iam_user ON access_keys(iam_user);

CREATE TABLE iam_groups (
  id          INTEGER PRIMARY KEY,
  account     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name        TEXT    NOT NULL,
  name_lower  TEXT    NOT NULL,
  path        TEXT    NOT NULL DEFAULT '/',
  group_id    TEXT    NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  UNIQUE (account, name_lower)
);

CREATE TABLE iam_group_members (
  group_id  INTEGER NOT NULL REFERENCES iam_groups(id) ON DELETE CASCADE,
  user_id   INTEGER NOT NULL REFERENCES iam_users(id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX iam_group_members_user ON iam_group_members(user_id);

CREATE TABLE iam_roles (
  id                    INTEGER PRIMARY KEY,
  account               INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name                  TEXT    NOT NULL,
  name_lower            TEXT    NOT NULL,
  path                  TEXT    NOT NULL DEFAULT '/',
  role_id               TEXT    NOT NULL UNIQUE,
  trust_policy          TEXT    NOT NULL,
  description           TEXT,
  max_session_duration  INTEGER NOT NULL DEFAULT 3600,
  tags                  TEXT,
  created_at            INTEGER NOT NULL,
  UNIQUE (account, name_lower)
);

-- Customer-managed policies (account set). AWS-managed ones are built in (auth/policy/managed.ts),
-- never stored; attachments name them by ARN.
CREATE TABLE iam_policies (
  id              INTEGER PRIMARY KEY,
  account         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name            TEXT    NOT NULL,
  name_lower      TEXT    NOT NULL,
  path            TEXT    NOT NULL DEFAULT '/',
  policy_id       TEXT    NOT NULL UNIQUE,
  description     TEXT,
  default_version TEXT    NOT NULL,
  next_version    INTEGER NOT NULL DEFAULT 2,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (account, name_lower)
);

CREATE TABLE iam_policy_versions (
  policy      INTEGER NOT NULL REFERENCES iam_policies(id) ON DELETE CASCADE,
  version_id  TEXT    NOT NULL,
  document    TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (policy, version_id)
) WITHOUT ROWID;

-- Attachments of managed policies (by ARN: customer-managed or AWS-managed) to users, groups and roles.
CREATE TABLE iam_attachments (
  account      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  entity_type  TEXT    NOT NULL,
  entity_id    INTEGER NOT NULL,
  policy_arn   TEXT    NOT NULL,
  PRIMARY KEY (entity_type, entity_id, policy_arn)
) WITHOUT ROWID;
CREATE INDEX iam_attachments_policy ON iam_attachments(policy_arn);

-- Inline policies of users, groups and roles.
CREATE TABLE iam_inline_policies (
  account      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  entity_type  TEXT    NOT NULL,
  entity_id    INTEGER NOT NULL,
  name         TEXT    NOT NULL,
  document     TEXT    NOT NULL,
  PRIMARY KEY (entity_type, entity_id, name)
) WITHOUT ROWID;

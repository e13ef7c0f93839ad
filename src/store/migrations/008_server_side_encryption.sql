-- Server-side encryption: how an object version (or a multipart upload, whose parts share its data key) is
-- encrypted, as JSON (mode, the data key wrapped by the master key / a keyring key / the customer's key,
-- the object id bound into its segments, SSE-C's key MD5 and salted fingerprint); NULL: stored as plaintext.
ALTER TABLE objects ADD COLUMN encryption TEXT;
ALTER TABLE uploads ADD COLUMN encryption TEXT;

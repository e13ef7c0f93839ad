-- ACLs. An object version's ACL and an upload's (applied when it completes) are JSON lists of grants
-- ({grantee, permission}); NULL is the default ACL: the owner (owner_id) has FULL_CONTROL. A bucket's
-- ACL and its OwnershipControls live in bucket_configs (kinds 'acl' and 'ownership').
ALTER TABLE objects ADD COLUMN acl TEXT;
ALTER TABLE uploads ADD COLUMN acl TEXT;
-- The account the completed object will belong to (NULL: the initiator, owner_id).
ALTER TABLE uploads ADD COLUMN object_owner INTEGER;

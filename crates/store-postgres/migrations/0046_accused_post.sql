-- The accused's post on a report about police conduct decides who settles it (R20: NĐ 22/2019
-- Art. 5 as amended by NĐ 224/2025). For an officer of a commune police the head of that same
-- unit settles: `head_settles` lets that unit's leaders, and no one else in it, read the report
-- and lets it be handed to that unit, while everyone else there stays walled off (issue 26).
-- Reports marked before have no post and keep being settled above the accused's unit.

ALTER TABLE reports ADD COLUMN accused_post TEXT;
ALTER TABLE reports ADD COLUMN head_settles BOOLEAN NOT NULL DEFAULT FALSE;

-- A unit named with any other post, or once the head may not settle, is walled off in full:
-- no later correction of the post hands the report to its head (one leader does not lift a
-- wall). Every wall before this was full.
ALTER TABLE accused_walls ADD COLUMN full_wall BOOLEAN NOT NULL DEFAULT TRUE;

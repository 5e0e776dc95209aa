-- A source of crime resumed after a suspension, or whose suspension the procuracy annulled, has
-- one month from that day (BLTTHS 148, 149): kept apart from `clock_start`, which now marks the
-- day a procedure's time starts afresh (a petition, an acceptance, a reopening, a receipt by the
-- crime flow or by the competent unit). A crime report's `clock_start` that is the time of its
-- latest resumption was set by it (issue 26); any other (an older reopening) stays.

ALTER TABLE reports ADD COLUMN resumed_at TIMESTAMPTZ;
UPDATE reports SET resumed_at = clock_start, clock_start = NULL
    WHERE clock_start IS NOT NULL
      AND legal_type IN ('crime_denunciation', 'crime_information', 'prosecution_request')
      AND clock_start = (SELECT MAX(p.created_at) FROM procedure_steps p
                         WHERE p.report_id = reports.id AND p.action = 'resume');

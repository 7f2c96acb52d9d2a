-- What becomes a lead: each flagged scheme ('S' + component) and each flagged employer
-- ('C:' + company key), with the subject, the score card and the signal counts.
SELECT
    'S' || CAST(scheme AS VARCHAR) AS unit, 'harvesting_scheme' AS lead_kind,
    subject_type, subject_value, points, pts_pi, pts_fee, pts_lure, pts_bait_pay,
    pts_private_im, pts_contact, pts_template, pts_registry, postings, n_pi, n_fee, n_lure,
    n_bait_pay, n_private_im, first_posted, last_posted
FROM schemes
UNION ALL
SELECT
    'C:' || company_key AS unit, 'harvesting_employer' AS lead_kind,
    CASE WHEN starts_with(company_key, 'NAME:') THEN 'COMPANY' ELSE 'USCC' END AS subject_type,
    CASE WHEN starts_with(company_key, 'NAME:') THEN substr(company_key, 6, length(company_key))
         ELSE company_key END AS subject_value,
    points, pts_pi, pts_fee, pts_lure, pts_bait_pay, pts_private_im, pts_contact,
    pts_template, pts_registry, postings, n_pi, n_fee, n_lure, n_bait_pay, n_private_im,
    first_posted, last_posted
FROM employers

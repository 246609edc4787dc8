-- The baseline for `benchmarks/evaluate_speed.py`: what `caremode evaluate` computes, written by
-- hand as one DuckDB SQL script. The caller first creates the view `contacts` (the extract, every
-- column VARCHAR, the optional columns present, null where absent). The script:
--   1. checks every row as caremode.evaluation.inputs does (the same codes and limits) and
--      leaves the number of bad rows of each kind in `problems`;
--   2. counts offered contacts by mode and outcome for every group of every dimension (and of
--      the two-way groups: ethnicity by age band, ethnicity by deprivation, access need by mode),
--      and for every mode together (`mode = 'all'`), first per person: the number of people and
--      the per-person sums of squares and products that give the design effect;
--   3. counts disengagement: people whose first missed remote contact (with 90 days of data after
--      it) had no attended contact in the 90 days that followed;
--   4. gives each rate its Wilson 95% and 99.8% intervals.
-- The result is the table `results`, one row per (dimension, group, mode).

CREATE OR REPLACE TEMP TABLE problems AS
SELECT
  count(*) AS rows,
  count(*) - count(DISTINCT UniqCareContID) AS duplicate_identifiers,
  count(*) FILTER (WHERE Person_ID IS NULL OR NOT regexp_matches(Person_ID, '\S')) AS person,
  count(*) FILTER (WHERE UniqCareContID IS NULL) AS identifier,
  count(*) FILTER (WHERE CareContDate IS NULL OR NOT regexp_matches(CareContDate, '^\d{4}-\d{2}-\d{2}$')
                   OR TRY_CAST(CareContDate AS DATE) IS NULL) AS contact_date,
  count(*) FILTER (WHERE ConsMechanismMH IS NULL OR ConsMechanismMH NOT IN
                   ('01', '02', '03', '04', '05', '06', '09', '10', '11', '12', '13', '98')) AS mechanism,
  count(*) FILTER (WHERE AttendStatus IS NULL OR AttendStatus NOT IN ('2', '3', '4', '5', '6', '7')) AS status,
  count(*) FILTER (WHERE EthnicCategory IS NOT NULL AND EthnicCategory <> '99'
                   AND substr(EthnicCategory, 1, 1) NOT IN
                   ('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'R', 'S', 'Z')) AS ethnic,
  count(*) FILTER (WHERE Gender IS NOT NULL AND Gender NOT IN ('1', '2', '9', 'X')) AS gender,
  count(*) FILTER (WHERE GenderIDCode IS NOT NULL AND GenderIDCode NOT IN ('1', '2', '3', '4', 'Z', 'X')) AS identity,
  count(*) FILTER (WHERE IMD_Decile IS NOT NULL AND IMD_Decile NOT IN
                   ('1', '2', '3', '4', '5', '6', '7', '8', '9', '10')) AS decile,
  count(*) FILTER (WHERE Rurality IS NOT NULL AND Rurality NOT IN ('urban', 'rural')) AS rurality,
  count(*) FILTER (WHERE AgeCareContDate IS NOT NULL AND NOT (regexp_matches(AgeCareContDate, '^\s*[+-]?\d{1,9}\s*$')
                   AND TRY_CAST(trim(AgeCareContDate) AS BIGINT) BETWEEN 0 AND 110)) AS age,
  count(*) FILTER (WHERE ClinContDurOfCareCont IS NOT NULL AND NOT (regexp_matches(ClinContDurOfCareCont, '^\s*[+-]?\d{1,9}\s*$')
                   AND TRY_CAST(trim(ClinContDurOfCareCont) AS BIGINT) BETWEEN 0 AND 1440)) AS duration,
  count(*) FILTER (WHERE TechFailure IS NOT NULL AND TechFailure NOT IN ('Y', 'N')) AS tech,
  count(*) FILTER (WHERE InterpreterPresentInd IS NOT NULL AND InterpreterPresentInd NOT IN ('Y', 'N')) AS interpreter,
  count(*) FILTER (WHERE AccessNeeds IS NOT NULL AND NOT regexp_matches(AccessNeeds,
    '^(?:cannot_afford_data|cognitive_impairment|communication_impairment|domestic_abuse_risk|hearing_impairment|long_or_costly_journey|mobility_difficulty|needs_interpreter|no_private_space|no_suitable_device|poor_connectivity|screen_or_phone_distress|shielding|technology_paranoia|technology_unfamiliar|visual_impairment)?(?:;(?:cannot_afford_data|cognitive_impairment|communication_impairment|domestic_abuse_risk|hearing_impairment|long_or_costly_journey|mobility_difficulty|needs_interpreter|no_private_space|no_suitable_device|poor_connectivity|screen_or_phone_distress|shielding|technology_paranoia|technology_unfamiliar|visual_impairment)?)*$'))
    AS access_needs
FROM contacts;

-- Each contact with its mode and the group it falls in on every dimension.
CREATE OR REPLACE TEMP TABLE std AS
SELECT
  Person_ID,
  TRY_CAST(CareContDate AS DATE) AS day,
  CASE ConsMechanismMH WHEN '01' THEN 'face_to_face' WHEN '02' THEN 'telephone'
    WHEN '03' THEN 'video' WHEN '11' THEN 'video' WHEN '04' THEN 'talk_type' WHEN '05' THEN 'email'
    WHEN '06' THEN 'text' WHEN '09' THEN 'text' WHEN '10' THEN 'text' WHEN '12' THEN 'text'
    WHEN '13' THEN 'text' ELSE 'other' END AS mode,
  AttendStatus AS status,
  TechFailure AS tech,
  CASE WHEN EthnicCategory = '99' THEN 'Unknown' ELSE CASE substr(EthnicCategory, 1, 1)
    WHEN 'A' THEN 'White' WHEN 'B' THEN 'White' WHEN 'C' THEN 'White'
    WHEN 'D' THEN 'Mixed' WHEN 'E' THEN 'Mixed' WHEN 'F' THEN 'Mixed' WHEN 'G' THEN 'Mixed'
    WHEN 'H' THEN 'Asian or Asian British' WHEN 'J' THEN 'Asian or Asian British'
    WHEN 'K' THEN 'Asian or Asian British' WHEN 'L' THEN 'Asian or Asian British'
    WHEN 'M' THEN 'Black or Black British' WHEN 'N' THEN 'Black or Black British'
    WHEN 'P' THEN 'Black or Black British' WHEN 'R' THEN 'Other Ethnic Groups'
    WHEN 'S' THEN 'Other Ethnic Groups' WHEN 'Z' THEN 'Not Stated' ELSE 'Unknown' END END AS ethnicity,
  CASE WHEN TRY_CAST(AgeCareContDate AS INTEGER) BETWEEN 0 AND 17 THEN 'Under 18'
    WHEN TRY_CAST(AgeCareContDate AS INTEGER) BETWEEN 18 AND 24 THEN '18-24'
    WHEN TRY_CAST(AgeCareContDate AS INTEGER) BETWEEN 25 AND 34 THEN '25-34'
    WHEN TRY_CAST(AgeCareContDate AS INTEGER) BETWEEN 35 AND 44 THEN '35-44'
    WHEN TRY_CAST(AgeCareContDate AS INTEGER) BETWEEN 45 AND 54 THEN '45-54'
    WHEN TRY_CAST(AgeCareContDate AS INTEGER) BETWEEN 55 AND 64 THEN '55-64'
    WHEN TRY_CAST(AgeCareContDate AS INTEGER) BETWEEN 65 AND 200 THEN '65 or over'
    ELSE 'Unknown' END AS age_band,
  coalesce(CASE GenderIDCode WHEN '1' THEN 'Male' WHEN '2' THEN 'Female' WHEN '3' THEN 'Non-binary'
             WHEN '4' THEN 'Other' END,
           CASE Gender WHEN '1' THEN 'Male' WHEN '2' THEN 'Female' WHEN '9' THEN 'Indeterminate' END,
           'Unknown') AS gender,
  coalesce(((TRY_CAST(IMD_Decile AS INTEGER) + 1) // 2)::VARCHAR, 'Unknown') AS imd_quintile,
  coalesce(Rurality, 'Unknown') AS rurality,
  CASE InterpreterPresentInd WHEN 'Y' THEN 'Interpreter present' WHEN 'N' THEN 'No interpreter'
    ELSE 'Unknown' END AS interpreter,
  coalesce(l.name, LanguageCodePreferred, 'Unknown') AS language,
  coalesce(AccessNeeds, '') AS access_need
FROM contacts LEFT JOIN languages l ON l.code = LanguageCodePreferred;

-- One row per person, mode and combination of groups, the outcomes counted across: contacts
-- cluster within people, so each group's counts are summed per person first.
CREATE OR REPLACE TEMP TABLE wide AS
SELECT
  Person_ID, mode, ethnicity, age_band, gender, imd_quintile, rurality, interpreter, language,
  access_need,
  ethnicity || ' / ' || age_band AS ethnicity_age_band,
  ethnicity || ' / ' || imd_quintile AS ethnicity_imd_quintile,
  count(*) AS offered,
  count(*) FILTER (WHERE status IN ('5', '6')) AS attended,
  count(*) FILTER (WHERE status = '2') AS s2,
  count(*) FILTER (WHERE status = '3') AS s3,
  count(*) FILTER (WHERE status = '4') AS s4,
  count(*) FILTER (WHERE status = '7') AS s7,
  count(tech) AS tech_known,
  count(*) FILTER (WHERE tech = 'Y') AS tech_yes
FROM std
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE wide_needs AS
SELECT *, unnest(string_split(CASE WHEN access_need = '' THEN 'none_recorded' ELSE access_need END, ';')) AS need
FROM wide;

-- One dimension's group (`grp`, a column of `wide`) per person: within each group and mode, and
-- within each group over every mode.
CREATE OR REPLACE MACRO people_in(grp) AS TABLE
SELECT "group", CASE WHEN grouping(mode) = 0 THEN mode ELSE 'all' END AS mode, Person_ID,
  sum(offered) AS offered, sum(attended) AS attended, sum(s2) AS s2, sum(s3) AS s3,
  sum(s4) AS s4, sum(s7) AS s7, sum(tech_known) AS tech_known, sum(tech_yes) AS tech_yes
FROM (SELECT grp AS "group", * FROM wide)
GROUP BY GROUPING SETS (("group", Person_ID), ("group", Person_ID, mode));

-- The same for access needs (a row in each of its needs), and access need by mode (a group of
-- mode `all` only).
CREATE OR REPLACE TEMP TABLE needs_per_person AS
SELECT 'access_need' AS dimension, need AS "group",
  CASE WHEN grouping(mode) = 0 THEN mode ELSE 'all' END AS mode, Person_ID,
  sum(offered) AS offered, sum(attended) AS attended, sum(s2) AS s2, sum(s3) AS s3,
  sum(s4) AS s4, sum(s7) AS s7, sum(tech_known) AS tech_known, sum(tech_yes) AS tech_yes
FROM wide_needs
GROUP BY GROUPING SETS ((Person_ID, need), (Person_ID, need, mode))
UNION ALL
SELECT 'access_need_mode', need || ' / ' || mode, 'all', Person_ID,
  sum(offered), sum(attended), sum(s2), sum(s3), sum(s4), sum(s7), sum(tech_known), sum(tech_yes)
FROM wide_needs
GROUP BY Person_ID, need, mode;

CREATE OR REPLACE TEMP TABLE per_person AS
SELECT 'overall' AS dimension, * FROM people_in('All')
UNION ALL SELECT 'ethnicity', * FROM people_in(ethnicity)
UNION ALL SELECT 'age_band', * FROM people_in(age_band)
UNION ALL SELECT 'gender', * FROM people_in(gender)
UNION ALL SELECT 'imd_quintile', * FROM people_in(imd_quintile)
UNION ALL SELECT 'rurality', * FROM people_in(rurality)
UNION ALL SELECT 'interpreter', * FROM people_in(interpreter)
UNION ALL SELECT 'language', * FROM people_in(language)
UNION ALL SELECT 'ethnicity_age_band', * FROM people_in(ethnicity_age_band)
UNION ALL SELECT 'ethnicity_imd_quintile', * FROM people_in(ethnicity_imd_quintile)
UNION ALL SELECT * FROM needs_per_person;

-- Per (dimension, group, mode) from the people: contacts, people, and the per-person sums of
-- squares and products behind the design effect.
CREATE OR REPLACE TEMP TABLE contact_counts AS
SELECT
  dimension, "group", mode,
  count(*) AS contact_people,
  sum(offered) AS offered, sum(attended) AS attended, sum(s2) AS s2, sum(s3) AS s3,
  sum(s4) AS s4, sum(s7) AS s7, sum(tech_known) AS tech_known, sum(tech_yes) AS tech_yes,
  sum(attended::DOUBLE * attended) AS sq_attended, sum(attended::DOUBLE * offered) AS x_attended,
  sum(offered::DOUBLE * offered) AS sq_offered,
  sum(s3::DOUBLE * s3) AS sq_s3, sum(s3::DOUBLE * offered) AS x_s3,
  sum(s2::DOUBLE * s2) AS sq_s2, sum(s2::DOUBLE * offered) AS x_s2,
  sum(s4::DOUBLE * s4) AS sq_s4, sum(s4::DOUBLE * offered) AS x_s4,
  sum(s7::DOUBLE * s7) AS sq_s7, sum(s7::DOUBLE * offered) AS x_s7,
  sum(tech_yes::DOUBLE * tech_yes) AS sq_tech_yes, sum(tech_yes::DOUBLE * tech_known) AS x_tech_yes,
  sum(tech_known::DOUBLE * tech_known) AS sq_tech_known
FROM per_person
GROUP BY ALL;

-- Disengagement after the first missed remote contact.
CREATE OR REPLACE TEMP TABLE first_missed AS
WITH missed AS (
  SELECT * FROM std
  WHERE mode IN ('telephone', 'video', 'text', 'email') AND status IN ('2', '3', '4', '7')
), earliest AS (
  SELECT Person_ID, min(day) AS day FROM missed GROUP BY Person_ID
)
SELECT m.Person_ID, m.day, min(m.mode) AS mode, min(ethnicity) AS ethnicity,
  min(age_band) AS age_band, min(gender) AS gender, min(imd_quintile) AS imd_quintile,
  min(rurality) AS rurality, min(interpreter) AS interpreter, min(language) AS language,
  min(access_need) AS access_need,
  min(ethnicity) || ' / ' || min(age_band) AS ethnicity_age_band,
  min(ethnicity) || ' / ' || min(imd_quintile) AS ethnicity_imd_quintile
FROM missed m JOIN earliest e ON m.Person_ID = e.Person_ID AND m.day = e.day
GROUP BY m.Person_ID, m.day
HAVING m.day + INTERVAL 90 DAY <= (SELECT max(day) FROM std);

CREATE OR REPLACE TEMP TABLE cohort AS
SELECT f.*, NOT EXISTS (
    SELECT 1 FROM std a
    WHERE a.Person_ID = f.Person_ID AND a.status IN ('5', '6')
      AND a.day > f.day AND a.day <= f.day + INTERVAL 90 DAY
  ) AS disengaged
FROM first_missed f;

CREATE OR REPLACE TEMP TABLE cohort_needs AS
SELECT mode, disengaged,
  unnest(string_split(CASE WHEN access_need = '' THEN 'none_recorded' ELSE access_need END, ';')) AS need
FROM cohort;

CREATE OR REPLACE TEMP TABLE disengagement AS
SELECT dimension, "group", CASE WHEN grouping(mode) = 0 THEN mode ELSE 'all' END AS mode,
  count(*) AS people,
  count(*) FILTER (WHERE disengaged) AS disengaged
FROM (
  UNPIVOT (SELECT *, 'All' AS overall FROM cohort)
  ON overall, ethnicity, age_band, gender, imd_quintile, rurality, interpreter, language,
    ethnicity_age_band, ethnicity_imd_quintile
  INTO NAME dimension VALUE "group"
)
GROUP BY GROUPING SETS ((dimension, "group"), (dimension, "group", mode))
UNION ALL
SELECT 'access_need', need, CASE WHEN grouping(mode) = 0 THEN mode ELSE 'all' END,
  count(*), count(*) FILTER (WHERE disengaged)
FROM cohort_needs
GROUP BY GROUPING SETS ((need), (need, mode))
UNION ALL
SELECT 'access_need_mode', need || ' / ' || mode, 'all', count(*), count(*) FILTER (WHERE disengaged)
FROM cohort_needs
GROUP BY need, mode;

-- Wilson score interval of x/n at z, as [low, high] (1.959964: 95%; 3.090232: 99.8%).
CREATE OR REPLACE MACRO wilson(x, n, z) AS CASE WHEN n > 0 THEN [
  CASE WHEN x = 0 THEN 0.0 ELSE greatest(0.0,
    (x / n + z * z / (2 * n)) / (1 + z * z / n)
    - (z / (1 + z * z / n)) * sqrt((x / n) * (1 - x / n) / n + z * z / (4 * n * n))) END,
  CASE WHEN x = n THEN 1.0 ELSE least(1.0,
    (x / n + z * z / (2 * n)) / (1 + z * z / n)
    + (z / (1 + z * z / n)) * sqrt((x / n) * (1 - x / n) / n + z * z / (4 * n * n))) END
] END;

CREATE OR REPLACE TEMP TABLE results AS
SELECT
  coalesce(c.dimension, d.dimension) AS dimension,
  coalesce(c."group", d."group") AS "group",
  coalesce(c.mode, d.mode) AS mode,
  coalesce(c.offered, 0) AS offered, coalesce(c.attended, 0) AS attended,
  coalesce(c.s2, 0) AS s2, coalesce(c.s3, 0) AS s3, coalesce(c.s4, 0) AS s4,
  coalesce(c.s7, 0) AS s7, coalesce(c.tech_known, 0) AS tech_known,
  coalesce(c.tech_yes, 0) AS tech_yes, coalesce(c.contact_people, 0) AS contact_people,
  c.sq_attended, c.x_attended, c.sq_offered, c.sq_s3, c.x_s3, c.sq_s2, c.x_s2, c.sq_s4, c.x_s4,
  c.sq_s7, c.x_s7, c.sq_tech_yes, c.x_tech_yes, c.sq_tech_known,
  d.people, d.disengaged,
  wilson(c.attended, c.offered, 1.959964) AS attendance_ci95,
  wilson(c.attended, c.offered, 3.090232) AS attendance_ci998,
  wilson(c.s3, c.offered, 1.959964) AS dna_ci95,
  wilson(c.s3, c.offered, 3.090232) AS dna_ci998,
  wilson(c.s2, c.offered, 1.959964) AS patient_cancellation_ci95,
  wilson(c.s2, c.offered, 3.090232) AS patient_cancellation_ci998,
  wilson(c.s4, c.offered, 1.959964) AS provider_cancellation_ci95,
  wilson(c.s4, c.offered, 3.090232) AS provider_cancellation_ci998,
  wilson(c.s7, c.offered, 1.959964) AS late_not_seen_ci95,
  wilson(c.s7, c.offered, 3.090232) AS late_not_seen_ci998,
  wilson(c.tech_yes, c.tech_known, 1.959964) AS tech_failure_ci95,
  wilson(c.tech_yes, c.tech_known, 3.090232) AS tech_failure_ci998,
  wilson(d.disengaged, d.people, 1.959964) AS disengagement_ci95,
  wilson(d.disengaged, d.people, 3.090232) AS disengagement_ci998
FROM contact_counts c
FULL OUTER JOIN disengagement d
  ON c.dimension = d.dimension AND c."group" = d."group" AND c.mode = d.mode;

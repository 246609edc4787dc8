"""Records: the pages that bring one person's care together — a clinician's caseload and record,
the service user's portal and the carer's view. Views only: every rule lives in the apps below.
"""

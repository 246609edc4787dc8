"""People: service users and their access needs, carers and consent, staff teams and services.

Owns who a person is and who may see them (`ServiceUser.objects.visible_to`, `access_*`).
"""

"""Sign-in: password, the staff second factor (TOTP), lockout, session expiry and
re-authentication. The flows live here; who a person is (`User`, roles) stays in accounts."""

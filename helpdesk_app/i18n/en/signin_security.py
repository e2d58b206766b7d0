"""English: sign-in security — second step, 2FA, recovery codes, my sessions, login alerts."""

CATALOG: dict[str, str] = {
    "page.security_settings": "Security",
    "page.admin_security": "Sign-in security",
    "nav.security": "Security",
    "nav.admin_security": "Sign-in security",
    # sign-in, second step
    "signin.second_step": "Second step: confirm it is you",
    "signin.totp_label": "Code from your authenticator app",
    "signin.email_label": "Code from the e-mail",
    "signin.recovery_label": "Recovery code",
    "signin.verify": "Confirm",
    "signin.send_code": "Send me a code by e-mail",
    "signin.code_sent": "We sent a 6-digit code to your e-mail address. It is valid for 10 minutes.",
    "signin.use_totp": "Use the authenticator app",
    "signin.use_email": "Use a code by e-mail",
    "signin.use_recovery": "Use a recovery code",
    "signin.start_again_link": "Start again",
    "signin.start_again": "The sign-in has expired or too many codes were wrong. Sign in again.",
    "signin.too_many_codes": "Too many codes were sent. Sign in again in a moment.",
    "signin.wrong_code": "This code is not valid. Check it and try again.",
    "signin.enrol_required": "Your role requires two-step sign-in. Scan this QR code with an "
                             "authenticator app (or type the key below), then enter the code "
                             "it shows.",
    "signin.qr_alt": "QR code for the authenticator app",
    "signin.secret_label": "Key to type in by hand:",
    "signin.codes_once": "Your recovery codes. Each works once, if you lose your phone. Save "
                         "them now: they are shown only this time.",
    "signin.codes_saved": "I have saved the codes — continue",
    # security page
    "signin.security_title": "Security",
    "signin.change_password": "Change password",
    "signin.current_password": "Current password",
    "signin.new_password": "New password",
    "signin.repeat_password": "New password again",
    "signin.wrong_password": "The password is not correct.",
    "signin.passwords_differ": "The two new passwords differ.",
    "signin.password_changed": "Password changed. Sessions signed out elsewhere: {count}.",
    "signin.two_factor": "Two-step sign-in",
    "signin.required_for_you": "Your role requires a second factor: you can switch one off "
                               "only while another stays on.",
    "signin.confirm_with_password": "Your password (needed to change a factor)",
    "signin.totp": "Authenticator app",
    "signin.email_factor": "Code by e-mail",
    "signin.on": "on",
    "signin.off": "off",
    "signin.set_up_totp": "Set up",
    "signin.enable_email": "Switch on",
    "signin.disable": "Switch off",
    "signin.cancel": "Cancel",
    "signin.scan_qr": "Scan the QR code with your authenticator app and enter the code it "
                      "shows.",
    "signin.totp_on": "The authenticator app is on.",
    "signin.email_on": "Codes by e-mail are on.",
    "signin.factor_off": "The factor is switched off.",
    "signin.totp_already_on": "The authenticator app is already on.",
    "signin.totp_not_started": "Start the set-up again.",
    "signin.unknown_factor": "Unknown factor.",
    "signin.factor_required": "Your role requires a second factor: switch another one on first.",
    "signin.no_factor": "Switch a factor on first.",
    "signin.no_email_factor": "Codes by e-mail are not switched on for this account.",
    "signin.recovery_left": "Recovery codes left:",
    "signin.new_codes": "New recovery codes",
    "signin.my_sessions": "My sessions",
    "signin.this_session": "this device",
    "signin.last_seen": "last active",
    "signin.sign_out_this": "Sign out",
    "signin.sign_out_others": "Sign out all other sessions",
    "signin.session_ended": "The session is signed out.",
    "signin.others_ended": "Signed out other sessions: {count}.",
    # admin page
    "signin.admin_title": "Sign-in security",
    "signin.require_2fa": "Two-step sign-in required for",
    "signin.require_2fa_help": "Users of a ticked role must set up a second factor at their "
                               "next sign-in.",
    "signin.role.admin": "Administrators",
    "signin.role.coordinator": "Coordinators",
    "signin.role.technician": "Technicians",
    "signin.role.client": "Clients",
    "signin.unknown_role": "Unknown role.",
    "signin.reset_factors": "Reset a user's second factors",
    "signin.reset_factors_help": "For a lost phone: removes the user's factors and recovery "
                                 "codes and signs them out everywhere.",
    "signin.no_such_user": "There is no user with this e-mail address.",
    "signin.factors_reset": "Second factors of {email} were reset.",
    "signin.subscribe_alerts": "Send me every user's login alerts",
    # mails
    "signin.mail.code.subject": "Your Pomocnik sign-in code",
    "signin.mail.code.text": "Your Pomocnik sign-in code is {code}.\n\nIt is valid for "
                             "{minutes} minutes and works once. If you did not try to sign "
                             "in, change your password.",
    "signin.mail.new_device.subject": "New sign-in to your Pomocnik account",
    "signin.mail.new_device.text": "Someone signed in to your account from a new device.\n\n"
                                   "When: {when}\nAddress: {address}\nBrowser: {browser}\n\n"
                                   "If this was not you, change your password and sign out "
                                   "the other sessions on the Security page.",
    "signin.mail.failed.subject": "Failed sign-in attempts on your Pomocnik account",
    "signin.mail.failed.text": "There were {count} failed sign-in attempts on your account "
                               "(latest: {when}).\n\nIf this was not you, nothing is needed: "
                               "attempts are slowed down. Consider a second factor on the "
                               "Security page.",
    "signin.mail.admin_new_device.subject": "Login alert: new device for {account}",
    "signin.mail.admin_new_device.text": "{account} signed in from a new device.\n\nWhen: "
                                         "{when}\nAddress: {address}\nBrowser: {browser}",
    "signin.mail.admin_failed.subject": "Login alert: failed attempts on {account}",
    "signin.mail.admin_failed.text": "{count} failed sign-in attempts on {account} (latest: "
                                     "{when}).",
}

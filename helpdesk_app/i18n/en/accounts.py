"""English: first-run setup, invitations, password reset, the password policy (i12-setup)."""

CATALOG: dict[str, str] = {
    # password policy (domain/passwords.py)
    "auth.password_too_long": "The password may have at most {max} characters.",
    "auth.password_personal": "The password may not be your e-mail address or your name.",
    "auth.password_common": "This password is on the list of the most common passwords; "
                            "choose another.",
    # tab titles
    "page.setup": "First-run setup",
    "page.invite": "Invitation",
    "page.reset": "Forgotten password",
    "page.reset_password": "New password",
    # first-run setup (/setup)
    "setup.title": "Welcome to Pomocnik",
    "setup.intro": "No one can sign in yet. Name your company and create the first "
                   "administrator account.",
    "setup.provider_name": "Service provider (your company)",
    "setup.admin_name": "Administrator's full name",
    "setup.admin_email": "Administrator's e-mail",
    "setup.language": "Default language",
    "setup.timezone": "Time zone",
    "setup.submit": "Finish setup",
    "setup.done": "Setup is complete. Sign in with the administrator account.",
    "setup.provider_required": "Enter your company's name.",
    "setup.provider_taken": "An organisation with this name already exists.",
    "setup.name_required": "Enter the administrator's name.",
    "setup.email_invalid": "Enter a valid e-mail address.",
    "setup.email_taken": "An account with this e-mail address already exists.",
    "setup.too_long": "At most {max} characters.",
    "setup.already_done": "Setup has already been completed. Sign in instead.",
    "setup.no_provider": "The system has no service provider yet: complete the setup first.",
    "lang.pl": "Polski",
    "lang.en": "English",
    # setting a password from a link (invitation, reset)
    "account.new_password": "New password",
    "account.repeat_password": "Repeat the password",
    "account.password_hint": "At least {min} characters; not your name or e-mail, "
                             "not a common password.",
    "account.password_mismatch": "The passwords do not match.",
    "account.link_invalid": "This link is invalid, has expired or has already been used.",
    "account.done": "Your password is set. You can sign in now.",
    "account.to_login": "Go to sign-in",
    "account.user_not_found": "No such user.",
    "account.invite_inactive": "The account (or its organisation) is inactive: activate it "
                               "before inviting.",
    "account.invite_unmailable": "The invitation could not be queued for this e-mail address.",
    # invitation page (/invite/<token>)
    "invite.title": "Welcome, {name}",
    "invite.intro": "Choose a password for your account {email}.",
    "invite.submit": "Set password",
    "invite.invalid": "Ask your administrator to send you a new invitation.",
    # password reset (/reset, /reset/<token>)
    "login.forgot": "Forgot your password?",
    "reset.title": "Forgotten password",
    "reset.intro": "Enter your account's e-mail address and we will send you a link to set "
                   "a new password.",
    "reset.email": "E-mail",
    "reset.submit": "Send the link",
    "reset.sent": "If an account uses this address, a link to set a new password is on its "
                  "way. It is valid for {minutes} minutes.",
    "reset.back": "Back to sign-in",
    "reset.form_title": "Set a new password",
    "reset.form_intro": "Choose a new password for {email}.",
    "reset.form_submit": "Save the new password",
    "reset.request_new": "Request a new link",
}

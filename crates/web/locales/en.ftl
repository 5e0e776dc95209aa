site-name = Police Hotline
site-tagline = Citizens' reports, denunciations and feedback, received 24/7
lang-switch = Tiếng Việt
skip-to-content = Skip to content

emergency-title = Emergency?
emergency-body = If a life is in danger or a crime is happening now, call at once
emergency-call = Call 113
emergency-other = Fire and rescue: 114 · Ambulance: 115

home-title = Report to the police, day or night
home-lead = You can report crimes, violations of the law, public-order problems, or misconduct by police officers. Every report is received, registered and passed to the unit competent to handle it.
home-cta = Send a report
home-how-title = How it works
home-how-1 = Write what you know: what happened, where, when.
home-how-2 = You may stay anonymous. If you leave contact details, they are kept confidential as the law requires.
home-how-3 = You receive a case number and a secret follow-up code to track the outcome.
home-confidential = Information about the reporter is confidential. Only authorised officers may see it, and every view is logged.

form-title = Send a report
form-intro = Describe what happened as precisely as you can. Fields marked * are required.
form-text = What happened *
form-text-hint = What happened, where, when, who was involved. At most 20,000 characters.
form-place = Place (optional)
form-province = Province or city
form-province-unknown = — Unknown —
form-commune = Commune, ward or special zone
form-commune-hint = Type the name, with or without diacritics, e.g. ha long
form-address = Address details
form-identity = About you
form-anonymous = Send anonymously (leave no details)
form-with-contact = Leave contact details so the police can reach you if needed
form-name = Full name
form-phone = Phone number
form-email = E-mail
form-confidential = Confidentiality: the reporter's identity is kept secret under the Criminal Procedure Code and the Law on Denunciations. Handling officers see a pseudonym; revealing the identity takes authority and a reason, and is logged.
form-warning = Note: knowingly making a false crime report may lead to disciplinary, administrative or criminal liability (Criminal Procedure Code, art. 144(5)).
form-submit = Send report
form-errors = Not sent yet. Please correct the following:

receipt-title = Report received
receipt-lead = Your report has been saved and will be passed to the competent unit.
receipt-case = Case number
receipt-code = Secret follow-up code
receipt-keep = Write the follow-up code down or take a screenshot. It is the only way to follow up and add information; we cannot issue it again.
receipt-again = Send another report

field-text-required = Please describe what happened.
field-text-too_long = The text is too long (at most 20,000 characters).
field-province_code-unknown = This province or city is not on the list.
field-commune_code-unknown = This commune or ward was not found.
field-commune_code-not_in_province = This commune or ward is not in the chosen province.
field-commune-unknown = No commune or ward of that name in the chosen province.
field-commune-ambiguous = Several communes or wards share that name; choose the province or write the full name.
field-commune-needs_province = Choose the province before the commune or ward.
field-address-too_long = The address is too long.
field-contact_name-too_long = The name is too long.
field-contact_phone-invalid = The phone number is not valid.
field-contact_email-invalid = The e-mail address is not valid.
field-anonymous-contradicts_contact = You chose to stay anonymous but filled in contact details.
field-generic = Invalid value.

login-title = Staff sign-in
login-username = Username
login-password = Password
login-submit = Sign in
login-failed = Wrong username or password.
login-throttled = Too many failed attempts. Try again in { $seconds } seconds.
logout = Sign out
staff-link = Staff sign-in

inbox-title = Inbox
inbox-empty = No reports in your scope yet.
inbox-no-scope = Administrator accounts do not read reports.
inbox-count = { $count } most recent reports
col-case = Case
col-received = Received
col-channel = Channel
col-status = Status
col-urgency = Urgency
col-unit = Unit
col-summary = Summary

report-title = Case { $case }
report-back = ← Inbox
report-details = Details
report-place = Place
report-place-unknown = Unknown
report-address = Address
report-reporter = Reporter
report-anonymous = Anonymous
report-has-contact = Left contact details (confidential)
report-messages = Conversation
report-inbound = Citizen
report-outbound = Officer
report-events = History
event-report_received = Report received

channel-web = Web
channel-api = API
channel-capture = Officer's capture
channel-phone = Phone
channel-sms = SMS
channel-email = E-mail
channel-zalo = Zalo
channel-whatsapp = WhatsApp
channel-messenger = Messenger
channel-instagram = Instagram
channel-telegram = Telegram
channel-x = X
channel-threads = Threads
channel-tiktok = TikTok

status-received = Received
status-triaged = Triaged
status-in_progress = In progress
status-transferred = Transferred
status-closed = Closed

urgency-emergency = Emergency
urgency-urgent = Urgent
urgency-normal = Normal
urgency-low = Low

error-title = Something went wrong
error-request-id = Request id (quote it when asking for help)
error-back-home = Back to the home page
error-bad-request = The request is not valid.
error-bad-encoding = The data sent is not valid UTF-8. Please send it again from a browser.
error-too-large = The data sent is too large.
error-not-found = This page does not exist.
error-forbidden = Request refused: the form was not sent from this site.
error-rate-limited = Too many submissions in a short time. Please try again in a few minutes. In an emergency, call 113.
error-unavailable = The system is starting or paused. Please try again in a few minutes. In an emergency, call 113.
error-internal = The system failed and did not save your request. Please try again. In an emergency, call 113.

footer-demo-note = Hotline: software for receiving citizens' reports.

"""The parties of the records: sellers, their campaigns and documents, employees, contacts.

Who the calls, consents and interactions are about. A sub-package of `records`, not a domain of
its own: a party is corrected by the records' amendments, and a campaign document's use is read
from the calls. Other domains reach the parties through `records/service.py`.
"""

"""The dialer's own files and hooks: call records from Asterisk and VICIdial, the pre-dial AGI."""

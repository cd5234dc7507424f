"""What staff run from the shell: backups, the programme report, the agency list, recordings
in and out, the translators' strings."""

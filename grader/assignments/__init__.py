"""What an assignment is (:mod:`.spec`) and where the course's are found (:mod:`.registry`)."""

"""face_recognition: compounds and sales offices that force face recognition or keep face data
unlawfully, one lead per operator with all its sites."""

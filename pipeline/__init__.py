"""The recognition pipeline: capture -> preprocess -> localize -> classify -> assemble -> match."""

import cv2

# OpenCV writes its warnings (e.g. each camera backend it probes) straight to stderr, where
# they would garble the terminal UI; real failures reach the user through our own errors.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

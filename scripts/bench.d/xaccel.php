<?php
// Baseline peer: PHP answering with X-Accel-Redirect only (nginx sends the bytes).
header('Content-Type: application/octet-stream');
header('X-Accel-Redirect: /_bench_protected/' . basename($_GET['name'] ?? ''));

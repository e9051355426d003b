<?php
// Baseline peer: the classic PHP upload handler (move_uploaded_file, no fsync).
$dir = getenv('STORE') . '/' . date('Y-m-d');
@mkdir($dir, 0755, true);
$out = [];
foreach ($_FILES as $field => $file) {
    $names = is_array($file['name']) ? $file['tmp_name'] : [$file['tmp_name']];
    foreach ($names as $tmp) {
        $target = $dir . '/' . bin2hex(random_bytes(16));
        move_uploaded_file($tmp, $target);
        $out[] = $target;
    }
}
header('Content-Type: application/json');
echo json_encode(['code' => 0, 'msg' => 'ok', 'data' => count($out)]);

<?php
// Peer doing the seed's real job, the way a PHP shop back-end would: for each uploaded file, read
// the image size (getimagesize, which also refuses what is not an image), move it into the store,
// and insert a materials row through PDO SQLite (WAL, one persistent connection per FPM worker).
// ?durable=1: synchronous=FULL and the file fsynced before its row, as Depot's durable mode
// (PHP cannot fsync a directory, so the new name itself is not synced: slightly less than Depot).
$durable = ($_GET['durable'] ?? '0') === '1';
$mall = intval($_GET['mall'] ?? '1');
$db = new PDO('sqlite:' . getenv('STORE') . '/materials.sqlite3', null, null, [PDO::ATTR_PERSISTENT => true, PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$db->exec('PRAGMA busy_timeout = 5000');
$db->exec('PRAGMA synchronous = ' . ($durable ? 'FULL' : 'NORMAL'));
$insert = $db->prepare('INSERT INTO materials (mall_id, material_type, base_path, width, height, size, origin_filename, format, created_at) VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?)');
$dir = getenv('STORE') . '/' . date('Y-m-d');
@mkdir($dir, 0755, true);
$out = [];
foreach ($_FILES as $field => $file) {
    $tmps = is_array($file['tmp_name']) ? $file['tmp_name'] : [$file['tmp_name']];
    $names = is_array($file['name']) ? $file['name'] : [$file['name']];
    foreach ($tmps as $i => $tmp) {
        $info = @getimagesize($tmp);
        if ($info === false) { $out[] = ['success' => false, 'reason' => 'not an image']; continue; }
        $ext = image_type_to_extension($info[2], false);
        $name = bin2hex(random_bytes(16)) . '.' . $ext;
        $target = $dir . '/' . $name;
        move_uploaded_file($tmp, $target);
        if ($durable) { $f = fopen($target, 'r'); fsync($f); fclose($f); }
        $insert->execute([$mall, '/' . date('Y-m-d') . '/' . $name, $info[0], $info[1], filesize($target), $names[$i], $ext, gmdate('Y-m-d\TH:i:s\Z')]);
        $out[] = ['success' => true, 'id' => intval($db->lastInsertId()), 'width' => $info[0], 'height' => $info[1]];
    }
}
header('Content-Type: application/json');
echo json_encode(['code' => 0, 'msg' => 'ok', 'data' => $out]);

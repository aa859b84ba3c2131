namespace CurveFs.Tests.Integration;

/// <summary>Ordinary tools on a real mount: what a user does first with a new filesystem.</summary>
public abstract class PosixToolsTests(IMountProvider mount)
{
    [Fact]
    public void CpArchive_OfUsrInclude_DiffsCleanAndCountsMatch()
    {
        var dir = mount.NewDir("cp");
        var output = Shell.Ok($"""
            cp -a /usr/include '{dir}/include'
            diff -r --no-dereference /usr/include '{dir}/include'
            echo "src=$(find /usr/include | wc -l) dst=$(find '{dir}/include' | wc -l)"
            """, timeout: TimeSpan.FromMinutes(10));
        var counts = output.Trim().Split(' ').Select(p => p.Split('=')[1]).ToArray();
        Assert.Equal(counts[0], counts[1]);
        Assert.True(int.Parse(counts[0]) > 1000, output);
        // cp -a kept modes, owners and mtimes
        Shell.Ok($"""
            a=$(cd /usr/include && find . -printf '%p %m %U %G %T@ %l\n' | sort)
            b=$(cd '{dir}/include' && find . -printf '%p %m %U %G %T@ %l\n' | sort)
            [ "$a" = "$b" ]
            """);
    }

    [Fact]
    public void TarRoundTrip_ReproducesTheTree()
    {
        var dir = mount.NewDir("tar");
        Shell.Ok($"""
            tar -C /usr/include -cf - linux | tar -C '{dir}' -xf -
            diff -r --no-dereference /usr/include/linux '{dir}/linux'
            tar -C '{dir}' -cf '{dir}/again.tar' linux
            mkdir '{dir}/out'
            tar -C '{dir}/out' -xf '{dir}/again.tar'
            diff -r --no-dereference /usr/include/linux '{dir}/out/linux'
            """, timeout: TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void Mv_FilesAndNonEmptyDirectories()
    {
        var dir = mount.NewDir("mv");
        Shell.Ok($"""
            cd '{dir}'
            mkdir -p a/b/c && echo deep > a/b/c/f && echo top > t
            mv t t2 && [ "$(cat t2)" = top ] && [ ! -e t ]
            mkdir d && mv a d/ && [ "$(cat d/a/b/c/f)" = deep ] && [ ! -e a ]
            mv d/a/b . && [ "$(cat b/c/f)" = deep ]
            mkdir e && touch e/x && mkdir target
            mv e target/ && [ -e target/e/x ]
            echo over > o1 && echo keep > o2 && mv o1 o2 && [ "$(cat o2)" = over ] && [ ! -e o1 ]
            """);
    }

    [Fact]
    public void Links_HardAndSymbolic()
    {
        var dir = mount.NewDir("ln");
        Shell.Ok($"""
            cd '{dir}'
            echo data > f
            ln f hard
            [ "$(stat -c %h f)" = 2 ] && [ "$(stat -c %i f)" = "$(stat -c %i hard)" ]
            ln -s f soft && [ "$(readlink soft)" = f ] && [ "$(cat soft)" = data ]
            ln -s /nonexistent/target dangling && [ "$(readlink dangling)" = /nonexistent/target ] && [ ! -e dangling ]
            mkdir sub && ln -s ../f sub/up && [ "$(cat sub/up)" = data ]
            rm f && [ "$(cat hard)" = data ] && [ "$(stat -c %h hard)" = 1 ]
            [ "$(stat -c %F soft)" = "symbolic link" ]
            """);
    }

    [Fact]
    public void ChmodChownTouchTruncate_ChangeWhatStatShows()
    {
        var dir = mount.NewDir("attr");
        Shell.Ok($"""
            cd '{dir}'
            echo hello > f
            chmod 640 f && [ "$(stat -c %a f)" = 640 ]
            chmod u+s,g+s f && [ "$(stat -c %a f)" = 6640 ]
            chown 1234:5678 f && [ "$(stat -c %u:%g f)" = 1234:5678 ]
            [ "$(stat -c %a f)" = 2640 ] # chown drops setuid; setgid without group-exec stays (as on ext4)
            touch -d '2001-02-03 04:05:06.123456789' f
            [ "$(stat -c %.9Y f)" = "$(date -d '2001-02-03 04:05:06.123456789' +%s.%N)" ]
            truncate -s 100000 f && [ "$(stat -c %s f)" = 100000 ]
            [ "$(head -c 6 f)" = hello ] && [ "$(tail -c 10 f | tr -d '\0' | wc -c)" = 0 ]
            truncate -s 3 f && [ "$(cat f)" = hel ]
            truncate -s 10 f && [ "$(od -An -c f | tr -d ' \n')" = 'hel\0\0\0\0\0\0\0' ]
            mkdir d && chmod 1777 d && [ "$(stat -c %a d)" = 1777 ]
            """);
    }

    [Fact]
    public void Xattrs_SetGetListRemove()
    {
        var dir = mount.NewDir("xattr");
        Shell.Ok($"""
            cd '{dir}'
            touch f
            setfattr -n user.color -v blue f
            setfattr -n user.bin -v 0x00ff10 f
            [ "$(getfattr --only-values -n user.color f)" = blue ]
            getfattr -d -e hex f | grep 'user.bin=0x00ff10' >/dev/null
            [ "$(getfattr -d f | grep -c '^user\.')" = 2 ]
            setfattr -x user.color f
            ! getfattr -n user.color f 2>/dev/null
            (getfattr -n user.color f 2>&1 || true) | grep 'No such attribute' >/dev/null
            mkdir d && setfattr -n user.onadir -v yes d && [ "$(getfattr --only-values -n user.onadir d)" = yes ]
            """);
    }

    [Fact]
    public void Mkfifo_And_SpecialFiles()
    {
        var dir = mount.NewDir("fifo");
        Shell.Ok($"""
            cd '{dir}'
            mkfifo p && [ "$(stat -c %F p)" = fifo ]
            (echo through-the-pipe > p &) ; [ "$(cat p)" = through-the-pipe ]
            mknod c c 1 3 && [ "$(stat -c '%F %t %T' c)" = "character special file 1 3" ]
            mknod b b 7 0 && [ "$(stat -c %F b)" = "block special file" ]
            python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind('sock')" && [ "$(stat -c %F sock)" = socket ]
            """);
    }

    [Fact]
    public void Git_InitAddCommit_StatusClean()
    {
        var dir = mount.NewDir("git");
        var status = Shell.Ok($"""
            cd '{dir}'
            cp -a /usr/include/linux src
            git init -q .
            git -c user.name=t -c user.email=t@example.com add -A
            git -c user.name=t -c user.email=t@example.com commit -qm initial
            echo change >> src/types.h
            git -c user.name=t -c user.email=t@example.com commit -qam second
            git mv src/types.h src/types2.h
            git -c user.name=t -c user.email=t@example.com commit -qm rename
            git fsck --strict 2>&1 | grep -v '^Checking' || true
            git status --porcelain
            """, timeout: TimeSpan.FromMinutes(5));
        Assert.Equal("", status.Trim());
    }

    [Fact]
    public void Sqlite_ThousandRowsInTransactions_IntegrityOk()
    {
        var dir = mount.NewDir("sqlite");
        var output = Shell.Ok($$"""
            cd '{{dir}}'
            sqlite3 t.db 'CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); PRAGMA journal_mode;'
            for batch in $(seq 0 9); do
              { echo 'BEGIN;'; for i in $(seq 1 100); do echo "INSERT INTO t(v) VALUES ('row-$batch-$i-$(printf '%0200d' $i)');"; done; echo 'COMMIT;'; } | sqlite3 t.db
            done
            sqlite3 t.db 'PRAGMA integrity_check; SELECT count(*) FROM t;'
            sqlite3 t.db 'PRAGMA journal_mode=WAL; BEGIN; UPDATE t SET v = v || "x" WHERE id % 3 = 0; COMMIT; PRAGMA integrity_check;'
            """, timeout: TimeSpan.FromMinutes(5));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("ok", lines);
        Assert.Contains("1000", lines);
        Assert.Equal("ok", lines[^1]);
    }
}

[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class EmbeddedPosixToolsTests(MountFixture mount) : PosixToolsTests(mount), IClassFixture<MountFixture>;

/// <summary>The same tests on a mount of a 3-replica metaserver cluster.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class ClusterPosixToolsTests(ClusterMountFixture mount) : PosixToolsTests(mount), IClassFixture<ClusterMountFixture>;

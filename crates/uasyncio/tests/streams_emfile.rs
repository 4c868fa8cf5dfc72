//! Running out of file descriptors on accept (`EMFILE`) is survived: the
//! error is reported, and accepting resumes once descriptors free up.
//! Alone in its test binary: it lowers the process's open-file limit.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use uasyncio::{StreamReader, StreamWriter, ThreadSafeFlag, new_event_loop, sleep_ms, start_server};

fn set_nofile(soft: u64) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit read and write the struct we own.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = soft;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
}

fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

#[test]
fn emfile_on_accept_is_reported_and_accepting_resumes_when_descriptors_free_up() {
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(60));
        eprintln!("watchdog: the EMFILE test still runs after 60 s: it hangs");
        std::process::abort();
    });
    let (errors, answers) = new_event_loop().run_until_complete(async {
        let server = start_server(
            |mut reader: StreamReader, mut writer: StreamWriter| async move {
                let line = reader.readline().await.unwrap();
                writer.write(&line);
                writer.drain().await.unwrap();
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        // Three clients' sockets are made first (a connect needs no new
        // descriptor); then the limit leaves none to accept them with.
        let clients: Vec<socket2::Socket> =
            (0..3).map(|_| socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap()).collect();
        let flag = Arc::new(ThreadSafeFlag::new());
        let helper_ready = Arc::new(std::sync::Barrier::new(2));
        // The helper thread exists before the limit drops (a thread needs no
        // descriptor, but spawning one may open files on some systems).
        let (f, ready) = (flag.clone(), helper_ready.clone());
        let (to_helper, from_main) = std::sync::mpsc::channel::<()>();
        let helper = std::thread::spawn(move || {
            ready.wait();
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
            for c in &clients {
                c.connect(&addr.into()).unwrap();
            }
            f.set(); // connected (in the backlog), not accepted
            from_main.recv().unwrap(); // descriptors are free again
            let mut answers = Vec::new();
            for c in clients {
                let mut s: std::net::TcpStream = c.into();
                s.write_all(b"hello\n").unwrap();
                let mut buf = [0; 6];
                s.read_exact(&mut buf).unwrap();
                answers.push(String::from_utf8_lossy(&buf).into_owned());
            }
            answers
        });
        let before = open_fds();
        set_nofile(before);
        helper_ready.wait();
        flag.wait().await;
        // The accept task meets EMFILE, reports it and retries every 100 ms.
        for _ in 0..500 {
            if server.accept_errors() > 0 {
                break;
            }
            sleep_ms(10).await;
        }
        let errors = server.accept_errors();
        set_nofile(before + 1024);
        to_helper.send(()).unwrap();
        let done = Arc::new(ThreadSafeFlag::new());
        let d = done.clone();
        let joiner = std::thread::spawn(move || {
            let answers = helper.join().unwrap();
            d.set();
            answers
        });
        done.wait().await;
        server.close();
        server.wait_closed().await;
        (errors, joiner.join().unwrap())
    });
    assert!(errors >= 1, "the accept failure was reported");
    assert_eq!(answers, ["hello\n", "hello\n", "hello\n"]);
}

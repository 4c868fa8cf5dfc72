//! `Broker`: publish/subscribe by topic (peterhinch's `primitives.Broker`).

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::fmt;

use super::event::Event;
use super::queue::Queue;
use super::ringbuf_queue::RingbufQueue;
use crate::raw::mutex::RawMutex;

/// What a [`Broker`] delivers a published message to (peterhinch's agents:
/// an `Event`, a `Queue`, a `RingbufQueue`, a function, or a user class with
/// a `put` method).
///
/// Implemented for [`Event`] (set), [`Queue<(T, M)>`](Queue) and
/// [`RingbufQueue<(T, M)>`](RingbufQueue) (the pair put without waiting),
/// and every `Fn(&T, &M)` closure (called; to run a coroutine, call
/// [`create_task`](crate::create_task) in it; extra arguments are captured
/// variables). Implement it for a type of yours to make it an agent.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// struct Counter(Cell<u32>);
/// impl uasyncio::Agent<&'static str, u32> for Counter {
///     fn put(&self, _topic: &&'static str, message: &u32) -> bool {
///         self.0.set(self.0.get() + message);
///         true
///     }
/// }
/// let broker = uasyncio::Broker::new();
/// let counter = Rc::new(Counter(Cell::new(0)));
/// broker.subscribe("add", counter.clone());
/// broker.publish("add", 5);
/// broker.publish("add", 2);
/// assert_eq!(counter.0.get(), 7);
/// ```
pub trait Agent<T, M> {
    /// Delivers one message; false if it was lost (a full `Queue` drops the
    /// new message, a full `RingbufQueue` its oldest one).
    fn put(&self, topic: &T, message: &M) -> bool;
}

impl<T, M, R: RawMutex> Agent<T, M> for Event<R> {
    fn put(&self, _topic: &T, _message: &M) -> bool {
        self.set();
        true
    }
}

impl<T: Clone, M: Clone, R: RawMutex> Agent<T, M> for Queue<(T, M), R> {
    fn put(&self, topic: &T, message: &M) -> bool {
        self.put_nowait((topic.clone(), message.clone())).is_ok()
    }
}

impl<T: Clone, M: Clone> Agent<T, M> for RingbufQueue<(T, M)> {
    fn put(&self, topic: &T, message: &M) -> bool {
        self.put_nowait((topic.clone(), message.clone())).is_none()
    }
}

impl<T, M, F: Fn(&T, &M)> Agent<T, M> for F {
    fn put(&self, topic: &T, message: &M) -> bool {
        self(topic, message);
        true
    }
}

/// A topic pattern: subscribers by pattern get every topic it matches
/// (peterhinch's `RegExp` topics; plug a regular-expression crate in here).
pub type TopicPattern<T> = Rc<dyn Fn(&T) -> bool>;

/// [`Broker::unsubscribe`] of something that was not subscribed. peterhinch's
/// prints a warning when `Broker.Verbose` is set; here it is a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotSubscribed {
    /// No agent is subscribed to that topic.
    Topic,
    /// The topic has subscribers, but not that agent.
    Agent,
}

impl fmt::Display for NotSubscribed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotSubscribed::Topic => "unsubscribe failed: the topic is not subscribed",
            NotSubscribed::Agent => "unsubscribe failed: the agent is not subscribed to that topic",
        })
    }
}

impl core::error::Error for NotSubscribed {}

enum Topic<T> {
    Exact(T),
    Matching(TopicPattern<T>),
}

struct Subscription<T, M> {
    topic: Topic<T>,
    agent: Rc<dyn Agent<T, M>>,
}

/// Same object: compares the data pointers (an `Rc<dyn _>`'s metadata may
/// differ between codegen units for one object).
fn same<A: ?Sized, B: ?Sized>(a: &Rc<A>, b: &Rc<B>) -> bool {
    core::ptr::eq(Rc::as_ptr(a).cast::<()>(), Rc::as_ptr(b).cast::<()>())
}

/// A message broker (peterhinch's `Broker`): agents subscribe to topics,
/// [`publish`](Self::publish) delivers a message to every agent subscribed
/// to its topic, in the order they subscribed (peterhinch's order is that
/// of a Python `set`: unspecified).
///
/// Topics are values of any type `T` compared with `==` (peterhinch's are
/// strings or any hashable), or [patterns](Self::subscribe_matching).
/// Agents are `Rc`s of anything implementing [`Agent`]: the same `Rc`
/// (compared by address) unsubscribes it. An agent subscribed twice to a
/// topic gets each message once; an agent subscribed to a topic and to a
/// pattern that matches it gets it twice.
///
/// ```
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let broker = uasyncio::Broker::new();
///     let inbox = Rc::new(uasyncio::Queue::new(10));
///     let alarm = Rc::new(uasyncio::Event::new());
///     broker.subscribe("temperature", inbox.clone());
///     broker.subscribe("overheat", alarm.clone());
///     broker.publish("temperature", 21);
///     broker.publish("overheat", 95);
///     assert_eq!(inbox.get().await, ("temperature", 21));
///     alarm.wait().await;
/// });
/// ```
pub struct Broker<T, M> {
    subscriptions: RefCell<Vec<Subscription<T, M>>>,
}

impl<T, M> Default for Broker<T, M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, M> Broker<T, M> {
    /// A broker with no subscription.
    ///
    /// ```
    /// let b: uasyncio::Broker<&str, ()> = uasyncio::Broker::new();
    /// assert_eq!(b.publish("nobody", ()), 0);
    /// ```
    pub const fn new() -> Self {
        Broker { subscriptions: RefCell::new(Vec::new()) }
    }
}

impl<T: PartialEq, M> Broker<T, M> {
    /// Subscribes `agent` to `topic`; false if it already was (nothing
    /// changes; peterhinch's prints "Duplicate agent").
    ///
    /// ```
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::<&str, ()>::new();
    /// let e = Rc::new(uasyncio::Event::new());
    /// assert!(b.subscribe("go", e.clone()));
    /// assert!(!b.subscribe("go", e.clone()));
    /// assert_eq!(b.subscriptions(), 1);
    /// ```
    pub fn subscribe(&self, topic: T, agent: Rc<impl Agent<T, M> + 'static>) -> bool {
        let mut subs = self.subscriptions.borrow_mut();
        let duplicate =
            subs.iter().any(|s| matches!(&s.topic, Topic::Exact(t) if *t == topic) && same(&s.agent, &agent));
        if !duplicate {
            subs.push(Subscription { topic: Topic::Exact(topic), agent });
        }
        !duplicate
    }

    /// Subscribes `agent` to every topic `pattern` matches.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::new();
    /// let seen = Rc::new(Cell::new(0));
    /// let s = seen.clone();
    /// let agent = Rc::new(move |_: &&str, _: &()| s.set(s.get() + 1));
    /// b.subscribe_matching(Rc::new(|t: &&str| t.ends_with("_topic")), agent);
    /// b.publish("foo_topic", ());
    /// b.publish("FAIL", ());
    /// assert_eq!(seen.get(), 1);
    /// ```
    pub fn subscribe_matching(&self, pattern: TopicPattern<T>, agent: Rc<impl Agent<T, M> + 'static>) {
        self.subscriptions.borrow_mut().push(Subscription { topic: Topic::Matching(pattern), agent });
    }

    /// Unsubscribes `agent` (the same `Rc`, or a clone of it) from `topic`.
    ///
    /// # Errors
    /// [`NotSubscribed`] says whether the topic or the agent was unknown.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::<&str, ()>::new();
    /// let e = Rc::new(uasyncio::Event::new());
    /// assert_eq!(b.unsubscribe(&"rats", &e), Err(uasyncio::NotSubscribed::Topic));
    /// b.subscribe("go", e.clone());
    /// assert_eq!(b.unsubscribe(&"go", &e), Ok(()));
    /// ```
    pub fn unsubscribe<A: ?Sized>(&self, topic: &T, agent: &Rc<A>) -> Result<(), NotSubscribed> {
        let mut subs = self.subscriptions.borrow_mut();
        let on_topic = |s: &Subscription<T, M>| matches!(&s.topic, Topic::Exact(t) if t == topic);
        if !subs.iter().any(on_topic) {
            return Err(NotSubscribed::Topic);
        }
        let index = subs.iter().position(|s| on_topic(s) && same(&s.agent, agent)).ok_or(NotSubscribed::Agent)?;
        subs.remove(index);
        Ok(())
    }

    /// Unsubscribes `agent` from `pattern` (the same `Rc`s as subscribed).
    ///
    /// # Errors
    /// [`NotSubscribed::Agent`] if that pair was not subscribed.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::<&str, ()>::new();
    /// let e = Rc::new(uasyncio::Event::new());
    /// let any: uasyncio::TopicPattern<&str> = Rc::new(|_| true);
    /// b.subscribe_matching(any.clone(), e.clone());
    /// assert_eq!(b.unsubscribe_matching(&any, &e), Ok(()));
    /// ```
    pub fn unsubscribe_matching<A: ?Sized>(
        &self,
        pattern: &TopicPattern<T>,
        agent: &Rc<A>,
    ) -> Result<(), NotSubscribed> {
        let mut subs = self.subscriptions.borrow_mut();
        let index = subs
            .iter()
            .position(|s| matches!(&s.topic, Topic::Matching(p) if same(p, pattern)) && same(&s.agent, agent))
            .ok_or(NotSubscribed::Agent)?;
        subs.remove(index);
        Ok(())
    }

    /// Delivers `message` to every agent of `topic`, in subscription order;
    /// gives the number of agents that lost it (full queues; peterhinch's
    /// prints "Message lost"). An agent may use the broker while it is
    /// delivered to (the subscriptions are not borrowed then); one that
    /// adds subscriptions makes this `publish` reach the new ones too.
    ///
    /// Allocates nothing when no agent changes the subscriptions.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::new();
    /// let q = Rc::new(uasyncio::Queue::new(1));
    /// b.subscribe("t", q.clone());
    /// assert_eq!(b.publish("t", 1), 0);
    /// assert_eq!(b.publish("t", 2), 1, "the queue was full");
    /// ```
    pub fn publish(&self, topic: T, message: M) -> usize {
        let mut lost = 0;
        let mut index = 0;
        loop {
            // Not borrowed while the agent runs: it may use the broker.
            let agent = {
                let subs = self.subscriptions.borrow();
                let Some(sub) = subs.get(index) else { break };
                index += 1;
                let matches = match &sub.topic {
                    Topic::Exact(t) => *t == topic,
                    Topic::Matching(pattern) => pattern(&topic),
                };
                if !matches {
                    continue;
                }
                sub.agent.clone()
            };
            if !agent.put(&topic, &message) {
                lost += 1;
            }
        }
        lost
    }

    /// Number of subscriptions (to topics and patterns).
    ///
    /// ```
    /// assert_eq!(uasyncio::Broker::<u8, u8>::new().subscriptions(), 0);
    /// ```
    pub fn subscriptions(&self) -> usize {
        self.subscriptions.borrow().len()
    }
}

impl<T, M> fmt::Debug for Broker<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Broker").field("subscriptions", &self.subscriptions.borrow().len()).finish()
    }
}
